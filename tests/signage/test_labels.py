"""Stored codes are shown to operators as translated labels."""

from signage.labels import label


def test_approval_states_have_vietnamese_labels(app):
    with app.test_request_context():
        assert label("draft", "approval") == "Bản nháp"


def test_unknown_codes_are_shown_as_they_are(app):
    with app.test_request_context():
        assert label("archived", "approval") == "archived"
