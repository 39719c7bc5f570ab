"""The one Redis connection pool and RQ queues of the app (Redis is never the source of truth)."""

from __future__ import annotations

from flask import Flask, current_app
from redis import Redis
from rq import Queue

#: Jobs that must not wait behind anything else (an alert's SMS): every worker takes them first, and
#: `flask worker --queue urgent` runs a worker for them alone.
URGENT_QUEUE = "urgent"
#: The queues a worker listens to, in the order it takes jobs from them.
QUEUE_NAMES = (URGENT_QUEUE, "high", "default", "low")


def redis_from_url(url: str) -> Redis:
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30)


def app_redis(app: Flask) -> Redis:
    """The app's one client (one connection pool per process), also for code running outside a request
    or app context (the WSGI fast paths)."""
    ext = app.extensions
    if "redis" not in ext:
        ext["redis"] = redis_from_url(app.config["REDIS_URL"])
    return ext["redis"]


def get_redis() -> Redis:
    return app_redis(current_app)


def get_queue(name: str = "default") -> Queue:
    """RQ queue bound to the app's Redis. In tests with RQ_SYNC the job runs inline (same code path)."""
    return Queue(name, connection=get_redis(), is_async=not current_app.config.get("RQ_SYNC", False))


def limiter_storage_uri(redis_url: str) -> str:
    if redis_url.startswith("unix://"):
        return "redis+unix://" + redis_url[len("unix://"):]
    return redis_url
