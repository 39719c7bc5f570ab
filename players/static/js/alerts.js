// Alerts: polled every ~2 s from a tiny endpoint (ETag → 304) and shown full screen above everything,
// rotating through the screen's languages. An emergency is red; an urgent official announcement or a
// correction ("cải chính") uses the official blue styling; when both apply, only the emergency shows.
// Running-text strips show a crawl instead.
//
// Each alert carries `expires_ms`: the player drops it at that time on its own clock, so an expired alert
// leaves the glass also when the controller cannot be reached. The last known alerts survive a reload.
// Each alert put on the glass is acknowledged once (`POST /alerts/ack` with the time it appeared), retried
// with every poll until the controller has it. The same poll brings the remote-control payload (commands,
// blank hours: control.js), handed to `onControl`.
//
// Where the controller pushes (push.js: the answer names a stream), each pushed message is applied exactly as
// a 200 answer, its version becomes the poll's ETag, and the poll slows to a consistency check while the
// stream is open. A poll answer that was on its way while a message arrived is dropped (the message is as
// new), and a message older than what the player has (a channel's kept message) is ignored. While the stream is
// open, acknowledgements go through nchan first (push.js `ack`), to the controller when that fails.

import { call } from './net.js';
import { readJson, writeJson } from './util.js';
import { clear } from './util.js';

var POLL_MS = 2000;
var ROTATE_MS = 8000;
var MAX_TIMER_MS = 60000;
var STORE_KEY = 'signage.player.alerts';
var ACKED_KEY = 'signage.player.alerts.acked';
var RANK = { emergency: 2, announcement: 1, correction: 1 };
var TITLES = {
  emergency: {
    vi: 'C\u1EA2NH B\u00C1O KH\u1EA8N C\u1EA4P', en: 'EMERGENCY ALERT',
    ru: '\u042D\u041A\u0421\u0422\u0420\u0415\u041D\u041D\u041E\u0415 \u041E\u041F\u041E\u0412\u0415\u0429\u0415\u041D\u0418\u0415',
    zh: '\u7D27\u6025\u8B66\u62A5', ko: '\uAE34\uAE09 \uACBD\uBCF4'
  },
  announcement: {
    vi: 'TH\u00D4NG B\u00C1O KH\u1EA8N', en: 'URGENT ANNOUNCEMENT',
    ru: '\u0421\u0420\u041E\u0427\u041D\u041E\u0415 \u041E\u0411\u042A\u042F\u0412\u041B\u0415\u041D\u0418\u0415',
    zh: '\u7D27\u6025\u516C\u544A', ko: '\uAE34\uAE09 \uACF5\uC9C0'
  },
  correction: {
    vi: 'C\u1EA2I CH\u00CDNH', en: 'CORRECTION',
    ru: '\u041E\u041F\u0420\u041E\u0412\u0415\u0420\u0416\u0415\u041D\u0418\u0415',
    zh: '\u66F4\u6B63', ko: '\uC815\uC815'
  }
};

// What goes on the glass at `now`: the unexpired alerts of the highest level present (alerts.rules.shown_levels).
export function shownAlerts(alerts, now) {
  var live = alerts.filter(function (a) { return !a.expires_ms || now < a.expires_ms; });
  var top = 0;
  live.forEach(function (a) { top = Math.max(top, RANK[a.level] || 0); });
  return live.filter(function (a) { return (RANK[a.level] || 0) === top; });
}

// Whether poll version `a` ("<alerts>.<control>", decimal counters) is behind `b` in any part.
export function olderVersion(a, b) {
  var pa = String(a).split('.');
  var pb = String(b).split('.');
  for (var i = 0; i < pa.length && i < pb.length; i++) {
    if (pa[i].length !== pb[i].length ? pa[i].length < pb[i].length : pa[i] < pb[i]) return true;
  }
  return false;
}

// The poll's ETag (`"a<screen>-<version>"`) for a pushed version; null (the next poll fetches) without one.
function etagFor(etag, version) {
  var m = /^(?:W\/)?"?(a\d+-)/.exec(etag || '');
  return m ? '"' + m[1] + version + '"' : null;
}

export class Alerts {
  // clock: the player's Clock (now() is the server-corrected time).
  constructor(root, onChange, clock) {
    this.root = root;
    this.title = root.querySelector('.alert-title');
    this.icon = root.querySelector('.alert-icon');
    this.body = root.querySelector('.alert-body');
    this.langs = root.querySelector('.alert-langs');
    this.crawl = root.querySelector('.alert-crawl .track');
    this.onChange = onChange;
    this.clock = clock;
    this.etag = null;
    this.pollSeconds = 0;
    this.languages = ['vi'];
    this.strip = false;
    this.index = 0;
    this.rotateTimer = null;
    this.expiryTimer = null;
    this.animation = null;
    this.shown = [];
    this.shownKey = '';
    var saved = readJson(STORE_KEY, null);
    this.alerts = saved && saved.alerts ? saved.alerts : [];
    this.acked = readJson(ACKED_KEY, {});  // alert id → shown-at ms, once the controller has it
    this.unsent = {};  // alert id → shown-at ms, not yet acknowledged to the controller
    this.acking = false;
    this.counters = { polls: 0, acksSent: 0 };
    this.onControl = null;  // the remote-control payload that comes with each changed poll (control.js)
    this.push = null;  // push.js's Push, when the page has one
    this.version = null;
    this.pushed = 0;
    this.pollTimer = null;
    this.polling = false;
    this.pollAgain = false;
  }

  configure(languages, strip) {
    var changed = strip !== this.strip || JSON.stringify(languages) !== JSON.stringify(this.languages);
    this.languages = languages && languages.length ? languages : ['vi'];
    this.strip = strip;
    if (changed) this.render(true);
  }

  start() {
    this.render(true);
    this.pollNow();
  }

  // Poll now (after the one under way, if any), then every pollMs().
  pollNow() {
    var self = this;
    clearTimeout(this.pollTimer);
    if (this.polling) { this.pollAgain = true; return; }
    this.polling = true;
    var next = function () {
      self.polling = false;
      if (self.pollAgain) { self.pollAgain = false; self.pollNow(); return; }
      self.pollTimer = setTimeout(function () { self.pollNow(); }, self.pollMs());
    };
    this.poll().then(next, next);
  }

  pollMs() {
    var normal = this.pollSeconds > 0 ? this.pollSeconds * 1000 : POLL_MS;
    return Math.max(normal, this.push ? this.push.slowPollSeconds() * 1000 : 0);
  }

  async poll() {
    this.counters.polls++;
    var pushed = this.pushed;
    try {
      var r = await call('GET', '/alerts', { etag: this.etag, timeout: 5000 });
      if (r.status === 200 && r.data && this.pushed === pushed) {
        this.apply(r.data, r.etag);
      } else if (r.status === 401) {
        this.etag = null;
      }
    } finally {
      this.render(false);  // an alert may have expired while the controller was silent
      this.flushAcks();
    }
  }

  // A changed answer, polled or pushed.
  apply(data, etag) {
    this.etag = etag;
    this.version = data.version || null;
    this.pollSeconds = data.poll_s;
    if (this.push) this.push.follow(data.push);
    this.set(data.alerts || []);
    if (this.onControl && data.control) this.onControl(data.control);
  }

  // A message of the push stream: the same answer a poll would have brought.
  onPush(data) {
    if (!data.version || (this.version && olderVersion(data.version, this.version))) return;
    this.pushed++;
    this.apply(data, etagFor(this.etag, data.version));
    this.render(false);
    this.flushAcks();
  }

  // The push stream opened or broke; broken, the poll is due now and at its normal interval again.
  onPushState(open) {
    if (!open) this.pollNow();
  }

  set(alerts) {
    if (JSON.stringify(alerts) === JSON.stringify(this.alerts)) return;
    this.alerts = alerts;
    writeJson(STORE_KEY, { alerts: alerts });
    var ids = {};
    alerts.forEach(function (a) { ids[a.id] = true; });
    var acked = this.acked;
    Object.keys(acked).forEach(function (id) { if (!ids[id]) delete acked[id]; });  // forget ended alerts
    writeJson(ACKED_KEY, acked);
    this.render(true);
  }

  active() {
    return this.shown.length > 0;
  }

  // Recompute what is on the glass; redraw when it changed (or `force`). Plans a re-render at the next expiry.
  render(force) {
    var now = this.clock.now();
    var shown = shownAlerts(this.alerts, now);
    var key = JSON.stringify(shown.map(function (a) { return a.id; }));
    this.planExpiry(now);
    if (!force && key === this.shownKey) return;
    var changedSet = key !== this.shownKey;
    this.shown = shown;
    this.shownKey = key;
    if (changedSet) this.index = 0;
    clearTimeout(this.rotateTimer);
    var on = shown.length > 0;
    this.root.hidden = !on;
    this.root.classList.toggle('strip', this.strip);
    document.body.classList.toggle('alerting', on);
    if (this.animation) { this.animation.cancel(); this.animation = null; }
    clear(this.crawl);
    if (this.onChange) this.onChange(on);
    if (!on) return;
    var level = shown[0].level || 'emergency';
    this.root.setAttribute('data-level', level === 'emergency' ? 'emergency' : 'official');
    this.icon.textContent = level === 'emergency' ? '\u26A0' : '\u2139';
    if (this.strip) this.renderCrawl(); else this.renderPage();
  }

  planExpiry(now) {
    clearTimeout(this.expiryTimer);
    var next = Infinity;
    this.alerts.forEach(function (a) { if (a.expires_ms && a.expires_ms > now) next = Math.min(next, a.expires_ms); });
    if (next === Infinity) return;
    var self = this;
    var delay = Math.min(this.clock.realDelay(next) + 20, MAX_TIMER_MS);
    this.expiryTimer = setTimeout(function () { self.render(false); }, delay);
  }

  titleFor(alert, lang) {
    var titles = TITLES[alert.level] || TITLES.emergency;
    return titles[lang] || titles.en;
  }

  // (alert, language) pairs to rotate through: the screen's languages the alert has, Vietnamese first.
  pages() {
    var pages = [];
    var langs = this.languages.slice();
    if (langs.indexOf('vi') < 0) langs.unshift('vi');
    this.shown.forEach(function (a) {
      langs.forEach(function (l) { if (a.messages && a.messages[l]) pages.push({ alert: a, lang: l }); });
    });
    return pages;
  }

  renderPage() {
    var pages = this.pages();
    if (!pages.length) return;
    var page = pages[this.index % pages.length];
    this.root.lang = page.lang;
    this.root.setAttribute('data-severity', page.alert.severity || 'severe');
    this.title.textContent = this.titleFor(page.alert, page.lang);
    this.body.textContent = page.alert.messages[page.lang];
    this.fit();
    this.seen(page.alert);
    clear(this.langs);
    var self = this;
    if (pages.length > 1) {
      pages.forEach(function (p, i) {
        var dot = document.createElement('span');
        dot.textContent = p.lang.toUpperCase();
        if (i === self.index % pages.length) dot.className = 'on';
        self.langs.appendChild(dot);
      });
      this.rotateTimer = setTimeout(function () { self.index++; self.renderPage(); }, ROTATE_MS);
    }
  }

  // Largest font (in vmin) at which the message fits its box; a handful of layout reads every 8 s.
  fit() {
    var size = 11;
    this.body.style.fontSize = size + 'vmin';
    while (size > 3 && (this.body.scrollHeight > this.body.clientHeight + 1 ||
                        this.body.scrollWidth > this.body.clientWidth + 1)) {
      size *= 0.88;
      this.body.style.fontSize = size.toFixed(2) + 'vmin';
    }
  }

  renderCrawl() {
    var self = this;
    var pages = this.pages();
    var unit = document.createElement('span');
    pages.forEach(function (p) {
      var title = document.createElement('b');
      title.textContent = (p.alert.level === 'emergency' ? '\u26A0 ' : '') + self.titleFor(p.alert, p.lang) + ': ';
      var text = document.createElement('span');
      text.textContent = p.alert.messages[p.lang] + '   \u25C6   ';
      unit.appendChild(title);
      unit.appendChild(text);
    });
    this.crawl.appendChild(unit);
    this.shown.forEach(function (a) { self.seen(a); });
    var width = Math.max(1, unit.getBoundingClientRect().width);
    var copies = Math.ceil(this.root.clientWidth / width) + 1;
    for (var i = 1; i < copies; i++) this.crawl.appendChild(unit.cloneNode(true));
    this.animation = this.crawl.animate(
      [{ transform: 'translate3d(0,0,0)' }, { transform: 'translate3d(' + (-width) + 'px,0,0)' }],
      { duration: width / 90 * 1000, iterations: Infinity, easing: 'linear' }
    );
  }

  // The alert is on the glass now: remember when, once, and tell the controller.
  seen(alert) {
    if (this.acked[alert.id] || this.unsent[alert.id]) return;
    this.unsent[alert.id] = Math.round(this.clock.now());
    this.flushAcks();
  }

  async flushAcks() {
    var ids = Object.keys(this.unsent);
    if (this.acking || !ids.length) return;
    this.acking = true;
    var unsent = this.unsent;
    var acks = ids.map(function (id) { return { alert_id: parseInt(id, 10), shown_at_ms: unsent[id] }; });
    try {
      if (this.push && await this.push.ack(acks)) {
        this.markAcked(acks);
      } else {
        var r = await call('POST', '/alerts/ack', { body: { acks: acks }, timeout: 5000 });
        if (r.status < 300 || (r.status >= 400 && r.status < 500 && r.status !== 401 && r.status !== 429)) {
          this.markAcked(acks);
          if (r.status < 300) this.counters.acksSent += acks.length;
        }
      }
    } catch (e) { /* offline: the next poll tries again */ }
    this.acking = false;
  }

  markAcked(acks) {
    var acked = this.acked;
    var unsent = this.unsent;
    acks.forEach(function (a) { acked[a.alert_id] = a.shown_at_ms; delete unsent[a.alert_id]; });
    writeJson(ACKED_KEY, acked);
  }
}
