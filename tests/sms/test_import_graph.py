"""The `sms` package imports without cycles, and the outbox's status path never loads the Twilio SDK.

The graph counts every import statement, at module level and inside functions alike: a function-level
import cannot hide a cycle, so none is left whose only purpose is to dodge one. (The few function-level
imports that remain say why where they stand: loading the Twilio SDK only where Twilio is chosen, and
wiring the package when the app is built.)
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from signage.extensions import db
from sms.models import Message, OutboxMessage
from tests.servers import PROJECT_ROOT

PACKAGE = "sms"


def _modules() -> dict[str, Path]:
    root = PROJECT_ROOT / PACKAGE
    found = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(PROJECT_ROOT).with_suffix("").parts
        found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The most specific module of the package that importing `name` runs, or None if outside it."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from the package, `level - 1` packages up
                    anchor = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                    base = f"{anchor}.{base}" if base else anchor
                # `from a import b` runs a.b when b is a module, else only a
                targets = [f"{base}.{alias.name}" for alias in node.names]
            for target in targets:
                resolved = _resolve(target, modules)
                if resolved is not None and resolved != name:
                    graph[name].add(resolved)
    return graph


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph[node]):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return cycles


def test_the_graph_sees_the_imports_it_must_see():
    graph = import_graph()
    assert {"sms.models", "sms.gateways", "sms.schedule"} <= graph["sms.dispatch"]
    assert "sms.gateways.twilio_gateway" in graph["sms.gateways"]  # a function-level import counts too
    assert "sms.status" in graph["sms.gateways.outbox"]


def test_find_cycles_finds_a_cycle():
    assert find_cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_the_sms_package_has_no_import_cycle():
    assert find_cycles(import_graph()) == []


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
