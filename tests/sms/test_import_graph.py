"""The outbox's status path never loads the Twilio SDK. (That `sms`, like every package, has no import
cycle — function-level imports included — is checked for the whole product by tests/signage/test_layers.py.)
"""

from __future__ import annotations

import json
import subprocess
import sys

from sqlalchemy import select

from signage.extensions import db
from sms.models import Message, OutboxMessage
from tests.servers import PROJECT_ROOT


def test_the_status_path_imports_no_twilio_module():
    """What applying a delivery receipt needs (the outbox gateway, its receipt job, sms.status) loads nothing
    of the Twilio SDK."""
    code = ("import sys, sms.status, sms.gateways, sms.gateways.outbox; "
            "print([m for m in sys.modules if m.split('.')[0] == 'twilio'])")
    result = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


RECEIPT = """
import json, sys
from signage import create_app
app = create_app({"TESTING": True, "SMS_GATEWAY": "outbox"})
with app.app_context():
    from sms.gateways.outbox import deliver_receipt
    moved = deliver_receipt(sys.argv[1])
print(json.dumps({"moved": moved, "loaded": sorted(m for m in sys.modules if "twilio" in m)}))
"""


def test_an_outbox_receipt_in_an_outbox_app_never_loads_the_twilio_sdk(outbox_app, service_env, make_contact,
                                                                       make_campaign):
    contact = make_contact("+84912000001")
    campaign = make_campaign({"vi": "Tin"})
    msg = Message(campaign_id=campaign.id, contact_id=contact.id, phone=contact.phone, body="Tin", state="sent")
    db.session.add(msg)
    db.session.flush()
    db.session.add(OutboxMessage(phone=contact.phone, body="Tin", message_id=msg.id, sid="OBreceipt"))
    db.session.commit()
    result = subprocess.run([sys.executable, "-c", RECEIPT, "OBreceipt"], cwd=PROJECT_ROOT, env=service_env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    outcome = json.loads(result.stdout.strip().splitlines()[-1])
    assert outcome["moved"] is True
    # The app registers the Twilio webhooks, whose signature check is the SDK's small pure-Python validator;
    # the client (twilio.rest) and our Twilio gateway load only when a Twilio process needs them.
    assert set(outcome["loaded"]) <= {"twilio", "twilio.request_validator"}
    db.session.expire_all()
    assert db.session.scalar(select(Message.state).where(Message.id == msg.id)) == "delivered"
