"""The 3-per-24 h cap holds when several workers send different campaigns to the same numbers at once."""

import threading

import time_machine
from sqlalchemy import select

from signage.extensions import db
from sms import dispatch
from sms.models import Message
from tests.sms.conftest import vn_time


def test_concurrent_campaigns_never_exceed_three_promotional_messages_per_number(twilio_app, standin, make_contact,
                                                                                make_campaign):
    standin.delay = 0.02  # keep the senders overlapping
    phones = [f"+8491200000{n}" for n in range(5)]
    for phone in phones:
        make_contact(phone)
    with time_machine.travel(vn_time(20, 10), tick=True):
        batches = []
        for n in range(5):
            campaign = make_campaign({"vi": f"Khuyến mãi {n}"})
            dispatch.materialise(campaign, now=vn_time(20, 10))
            batches.append(list(db.session.scalars(select(Message.id).where(Message.campaign_id == campaign.id))))
        db.session.remove()
        barrier = threading.Barrier(len(batches))
        errors = []

        def worker(ids):
            try:
                with twilio_app.app_context():
                    barrier.wait()
                    dispatch.send_batch(ids)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(ids,)) for ids in batches]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    assert not errors
    assert standin.received() == {phone: 3 for phone in phones}
    deferred = db.session.scalars(select(Message).where(Message.state == "queued")).all()
    assert len(deferred) == 10 and {m.skip_reason for m in deferred} == {"daily_cap"}
