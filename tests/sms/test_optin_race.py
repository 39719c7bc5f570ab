"""Opt-in codes under a burst of parallel guesses (issue 10): every wrong guess counts, and the lock holds."""

import threading
from datetime import timedelta

import pytest

from signage import signing
from signage.extensions import db
from signage.timeutil import utcnow
from sms.models import OptInRequest
from sms.optin import OptInError, confirm


def test_25_parallel_wrong_codes_count_25_and_the_right_code_is_then_refused(app_ctx, demo):
    app = app_ctx
    req = OptInRequest(token="race-token", phone="+84912000099", language="vi", consent_text="ok",
                       code_hash=signing.digest("sms-optin:race-token:123456").hex(),
                       expires_at=utcnow() + timedelta(minutes=10))
    db.session.add(req)
    db.session.commit()
    req_id = req.id
    db.session.expunge(req)  # each guess holds the request as the page loaded it (attempts = 0)
    barrier, outcomes = threading.Barrier(25, timeout=30), []

    def guess(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                confirm(req, f"{n:06d}")
            except OptInError as exc:
                outcomes.append(exc.code)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(25)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(outcomes) == 25 and set(outcomes) <= {"wrong_code", "locked"}
    assert outcomes.count("wrong_code") <= app.config["SMS_OTP_MAX_ATTEMPTS"]
    db.session.expire_all()
    req = db.session.get(OptInRequest, req_id)
    assert req.attempts == 25
    with pytest.raises(OptInError, match="locked"):
        confirm(req, "123456")
    assert db.session.get(OptInRequest, req_id).confirmed_at is None
