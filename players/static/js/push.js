// Push: the screen's stream of server-sent events (players/push.py, through nginx + nchan), named by the alert
// poll's answer (`push: {url, poll_s, ack_url}`). Each message is exactly a changed poll answer (alerts, control,
// version), handed to `onMessage` to be applied the same way. While the stream is open the alert poll only
// checks every `poll_s` (`slowPollSeconds`); when it breaks `onState(false)` lets the poll return to its
// normal interval at once. EventSource reconnects by itself after a network error; after a refusal (an HTTP
// error: no push behind this address) the stream is tried again after about RETRY_MS.
//
// While the stream is open, acknowledgements go to nchan as well (`ack`: POST `ack_url` with
// `{"channel": <the screen's channel, the URL's last part>, "acks": [...]}`, players/push_acks.py), so nginx
// answers the herd after an alert at once. Only nchan's 201 counts: it means the controller's consumer is
// reading the channel; a 202 (kept, but nobody reads it: the consumer is down) or any other answer leaves them
// to the controller's endpoint too (recording twice is harmless: the first report per alert and screen wins).

var RETRY_MS = 30000;
var ACK_TIMEOUT_MS = 5000;

export class Push {
  // onMessage(data): a message's answer; onState(open): the stream opened (true) or broke (false).
  constructor(onMessage, onState) {
    this.onMessage = onMessage;
    this.onState = onState;
    this.url = null;
    this.source = null;
    this.open = false;
    this.pollSeconds = 0;
    this.retryTimer = null;
    this.ackUrl = null;
    this.counters = { messages: 0, opened: 0, errors: 0, acks: 0, ackErrors: 0 };
  }

  // The answer's `push` ({url, poll_s, ack_url}, or nothing: no push): follow that stream, or none.
  follow(push) {
    var url = push && push.url && typeof EventSource === 'function' ? String(push.url) : null;
    this.pollSeconds = push && push.poll_s > 0 ? push.poll_s : 0;
    this.ackUrl = url && push.ack_url ? String(push.ack_url) : null;
    if (url === this.url) return;
    this.close();
    this.url = url;
    if (url) this.connect();
  }

  connect() {
    var self = this;
    clearTimeout(this.retryTimer);
    var source = new EventSource(this.url);
    this.source = source;
    source.onopen = function () {
      if (self.source !== source) return;
      self.counters.opened++;
      self.setOpen(true);
    };
    source.onmessage = function (event) {
      if (self.source !== source) return;
      var data;
      try { data = JSON.parse(event.data); } catch (e) { return; }
      if (!data || typeof data !== 'object') return;
      self.counters.messages++;
      self.setOpen(true);
      self.onMessage(data);
    };
    source.onerror = function () {
      if (self.source !== source) return;
      self.counters.errors++;
      self.setOpen(false);
      if (source.readyState === 2) {  // CLOSED: refused, EventSource gives up; we try again later
        self.source = null;
        self.retryTimer = setTimeout(function () {
          if (self.url && !self.source) self.connect();
        }, RETRY_MS * (0.5 + Math.random()));
      }
    };
  }

  setOpen(open) {
    if (open === this.open) return;
    this.open = open;
    this.onState(open);
  }

  close() {
    clearTimeout(this.retryTimer);
    if (this.source) this.source.close();
    this.source = null;
    this.setOpen(false);
  }

  // Acknowledgements ([{alert_id, shown_at_ms}, ...]) through nchan: true once nchan handed them to a reader
  // (201); false (the stream is not open, no ack_url, no reader, an error) to send them to the controller.
  async ack(acks) {
    if (!this.open || !this.ackUrl) return false;
    var url = this.ackUrl;
    var controller = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = setTimeout(function () { if (controller) controller.abort(); }, ACK_TIMEOUT_MS);
    var init = {
      method: 'POST', cache: 'no-store', credentials: 'omit',
      headers: { 'Content-Type': 'text/plain' },  // a simple request: no preflight where nchan is another origin
      body: JSON.stringify({ channel: url.slice(url.lastIndexOf('/') + 1), acks: acks })
    };
    if (controller) init.signal = controller.signal;
    try {
      var response = await fetch(url, init);
      if (response.status === 201) {
        this.counters.acks += acks.length;
        return true;
      }
    } catch (e) { /* nginx unreachable: the controller's endpoint */ } finally {
      clearTimeout(timer);
    }
    this.counters.ackErrors++;
    return false;
  }

  // Seconds between alert polls while the stream is open (0: it is not, poll at the normal interval).
  slowPollSeconds() {
    return this.open ? this.pollSeconds : 0;
  }
}
