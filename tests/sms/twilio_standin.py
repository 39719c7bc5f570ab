"""A local stand-in of Twilio's Messages API (the subset the product uses), served on a free loopback port in
a thread: create and list messages, scripted error responses (optionally with Retry-After), a per-request
delay, and signed status callbacks (X-Twilio-Signature computed with the auth token, as Twilio does)."""

from __future__ import annotations

import base64
import json
import random
import secrets
import threading
import time
from collections import Counter, defaultdict, deque
from datetime import UTC, datetime
from email.utils import format_datetime

import requests
from twilio.request_validator import RequestValidator
from werkzeug.serving import WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "standin-auth-token"

#: GSM 03.38 as carriers count it, written out here on its own (not imported from the product's sms.encoding: the
#: stand-in must not agree with the product by construction). Extension characters take an escape septet too.
GSM7_BASIC = frozenset("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                       "ÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")


def count_segments(body: str) -> int:
    """Segments of `body` as the network splits it: one of 160 septets / 70 UCS-2 units, else parts of 153 / 67
    that never split an escape pair or a surrogate pair."""
    if all(ch in GSM7_BASIC or ch in GSM7_EXTENSION for ch in body):
        costs, single, part = [2 if ch in GSM7_EXTENSION else 1 for ch in body], 160, 153
    else:
        costs, single, part = [len(ch.encode("utf-16-le")) // 2 for ch in body], 70, 67
    if sum(costs) <= single:
        return 1 if costs else 0
    segments, used = 1, 0
    for cost in costs:
        if used + cost > part:
            segments, used = segments + 1, 0
        used += cost
    return segments


class QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs) -> None:  # one line per request would drown test and bench output
        pass


class TwilioStandIn:
    def __init__(self, account_sid: str = ACCOUNT_SID, auth_token: str = AUTH_TOKEN, *, delay: float = 0.0,
                 callbacks: bool = True):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.delay = delay
        self.callbacks = callbacks
        self.messages: list[dict] = []  # every accepted message, in order
        self.requests: int = 0  # message creations (the sends)
        self.requests_by_kind: Counter = Counter()  # other calls: "fetch"
        self.scripted: dict[str, deque] = defaultdict(deque)  # to → [(status, code[, retry-after]), ...]
        self.callback_log: list[tuple[str, int]] = []
        self.accepted_at: list[float] = []  # time.monotonic() of each accepted message (rate measurements)
        self.throttled: tuple[float, str] | None = None  # (fraction of sends answered 429, its Retry-After)
        self._random = random.Random(11)
        self._lock = threading.Lock()
        self._server = None
        self._thread = None

    # ---- control from tests

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def fail(self, to: str, *errors: tuple[int, int | None] | tuple[int, int | None, str]) -> None:
        """The next requests to `to` answer these (HTTP status, Twilio error code), in order; a third item is
        sent as the Retry-After header (seconds or an HTTP date, as written)."""
        self.scripted[to].extend(errors)

    def throttle(self, fraction: float, retry_after: str = "1") -> None:
        """Answer this fraction of sends (at random, seeded) with 429 and this Retry-After, as Twilio does when
        an account goes over its rate."""
        self.throttled = (fraction, retry_after)

    def set_status(self, sid: str, status: str, error_code: int | None = None) -> None:
        """What Twilio learnt later (its message fetch answers it; no callback is sent)."""
        with self._lock:
            for m in self.messages:
                if m["sid"] == sid:
                    m.update(status=status, error_code=error_code)

    def received(self) -> Counter:
        with self._lock:
            return Counter(m["to"] for m in self.messages)

    def start(self) -> TwilioStandIn:
        self._server = make_server("127.0.0.1", 0, self.wsgi, threaded=True, request_handler=QuietHandler)
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()

    # ---- the API

    def wsgi(self, environ, start_response):
        return self.handle(Request(environ))(environ, start_response)

    def handle(self, request: Request) -> Response:
        prefix = f"/2010-04-01/Accounts/{self.account_sid}/Messages"
        if not self._authorised(request):
            return self._error(401, 20003, "Authenticate")
        if request.path == prefix + ".json" and request.method == "POST":
            return self._create(request)
        if request.path == prefix + ".json" and request.method == "GET":
            return self._list(request)
        if request.path.startswith(prefix + "/") and request.path.endswith(".json") and request.method == "GET":
            return self._fetch(request.path[len(prefix) + 1:-len(".json")])
        return self._error(404, 20404, "The requested resource was not found")

    def _authorised(self, request: Request) -> bool:
        header = request.headers.get("Authorization", "")
        expected = "Basic " + base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return secrets.compare_digest(header, expected)

    def _create(self, request: Request) -> Response:
        form = request.form
        to, body = form.get("To", ""), form.get("Body", "")
        with self._lock:
            self.requests += 1
            scripted = self.scripted[to].popleft() if self.scripted.get(to) else None
            if scripted is None and self.throttled and self._random.random() < self.throttled[0]:
                scripted = (429, 20429, self.throttled[1])
        if scripted is not None:
            status, code, *retry_after = scripted
            response = self._error(status, code, f"scripted error {code or status}")
            if retry_after:
                response.headers["Retry-After"] = retry_after[0]
            return response
        if not (form.get("From") or form.get("MessagingServiceSid")):
            return self._error(400, 21603, "A 'From' or 'MessagingServiceSid' parameter is required")
        sid = "SM" + secrets.token_hex(16)
        record = {
            "sid": sid, "account_sid": self.account_sid, "to": to, "from": form.get("From"),
            "messaging_service_sid": form.get("MessagingServiceSid"), "body": body, "status": "queued",
            "date_created": format_datetime(datetime.now(UTC), usegmt=True),
            "date_sent": format_datetime(datetime.now(UTC), usegmt=True),
            "num_segments": str(count_segments(body)), "direction": "outbound-api", "error_code": None,
            "error_message": None,
            "status_callback": form.get("StatusCallback"), "validity_period": form.get("ValidityPeriod"),
            "price": None, "price_unit": "USD",
        }
        with self._lock:
            self.messages.append(record)
            self.accepted_at.append(time.monotonic())
        if self.delay:
            time.sleep(self.delay)  # received and recorded, answer not sent yet: a kill here is ambiguous
        if self.callbacks and record["status_callback"]:
            threading.Thread(target=self._callbacks, args=(record,), daemon=True).start()
        public = {k: v for k, v in record.items() if k != "status_callback"}
        return Response(json.dumps(public), status=201, mimetype="application/json")

    def _fetch(self, sid: str) -> Response:
        with self._lock:
            self.requests_by_kind["fetch"] += 1
            found = [dict(m) for m in self.messages if m["sid"] == sid]
        if not found:
            return self._error(404, 20404, f"The requested resource /Messages/{sid}.json was not found")
        found[0].pop("status_callback", None)
        return Response(json.dumps(found[0]), status=200, mimetype="application/json")

    def _list(self, request: Request) -> Response:
        to = request.args.get("To")
        with self._lock:
            found = [dict(m) for m in self.messages if to is None or m["to"] == to]
        for m in found:
            m.pop("status_callback", None)
        page = {"messages": found, "page": 0, "page_size": len(found), "next_page_uri": None,
                "previous_page_uri": None, "first_page_uri": request.full_path, "uri": request.full_path,
                "start": 0, "end": max(0, len(found) - 1)}
        return Response(json.dumps(page), status=200, mimetype="application/json")

    def _error(self, status: int, code: int | None, message: str) -> Response:
        payload = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}",
                   "status": status}
        return Response(json.dumps(payload), status=status, mimetype="application/json")

    # ---- status callbacks, signed like Twilio's

    def signed_post(self, url: str, params: dict) -> requests.Response:
        signature = RequestValidator(self.auth_token).compute_signature(url, params)
        return requests.post(url, data=params, headers={"X-Twilio-Signature": signature}, timeout=10)

    def status_params(self, record: dict, status: str, error_code: str | None = None) -> dict:
        params = {"MessageSid": record["sid"], "SmsSid": record["sid"], "AccountSid": self.account_sid,
                  "MessageStatus": status, "SmsStatus": status, "To": record["to"], "ApiVersion": "2010-04-01"}
        if error_code:
            params["ErrorCode"] = error_code
        return params

    def _callbacks(self, record: dict) -> None:
        for status in ("sent", "delivered"):
            try:
                r = self.signed_post(record["status_callback"], self.status_params(record, status))
                self.callback_log.append((status, r.status_code))
            except requests.RequestException:
                self.callback_log.append((status, 0))
