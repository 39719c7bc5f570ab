"""Blueprints of the content package."""
