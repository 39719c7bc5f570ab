// Remote control: the payload that comes with every alert poll (players/commands.py) — commands to run
// once (reload, clear_cache, identify, capture) and the screen's blank hours — and the two overlays it
// drives: #identify (the screen's name and number, full screen, for `identify_s` seconds) and #blankout
// (dark glass during blank hours, on the player's own clock, so it holds without the controller; an
// emergency alert still shows above it).
//
// A command runs once: its id is remembered (localStorage) before it runs, and acknowledged to the
// controller (`POST /commands/ack`; a capture is acknowledged by its upload), retried until it is heard.
// Blank periods are reported like plays (item_type "blank") when they end, so proof of play has the dark time.

import { call } from './net.js';
import { uuid4, isoTime, readJson, writeJson } from './util.js';

var DONE_KEY = 'signage.player.commands.done';
var BLANK_SINCE_KEY = 'signage.player.blank.since';
var CHECK_MS = 15000;

function minutes(hhmm) {
  var parts = String(hhmm).split(':');
  return parseInt(parts[0], 10) * 60 + parseInt(parts[1], 10);
}

// Minutes since local midnight in `timeZone` at `ms`.
export function localMinutes(ms, timeZone) {
  var parts = {};
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: timeZone, hour: '2-digit', minute: '2-digit', hour12: false })
      .formatToParts(new Date(ms)).forEach(function (p) { parts[p.type] = p.value; });
  } catch (e) {
    var d = new Date(ms);
    return d.getHours() * 60 + d.getMinutes();
  }
  return (parseInt(parts.hour, 10) % 24) * 60 + parseInt(parts.minute, 10);
}

// Is local minute `m` inside any rule ({starts: 'HH:MM', ends: 'HH:MM'}; an end before the start runs over midnight)?
export function inBlankHours(rules, m) {
  return (rules || []).some(function (r) {
    var s = minutes(r.starts);
    var e = minutes(r.ends);
    return s < e ? m >= s && m < e : m >= s || m < e;
  });
}

export class Control {
  // hooks: { clock, screen() → {id, name}, timeZone() → tz, capture(reason, commandId) → Promise<bool>,
  //          reload(), clearCache() → Promise, blankChanged(on), recordBlank(record) }
  constructor(hooks) {
    this.hooks = hooks;
    this.identifyEl = document.getElementById('identify');
    this.blankEl = document.getElementById('blankout');
    this.rules = [];
    this.captureEveryMin = 15;
    this.identifyS = 30;
    this.done = readJson(DONE_KEY, []);
    this.unacked = [];
    this.identifyTimer = null;
    this.blankTimer = null;
    this.isBlank = false;
    this.counters = { received: 0, ran: [], acksSent: 0 };
  }

  start() {
    this.checkBlank();
  }

  apply(control) {
    if (!control || typeof control !== 'object') return;
    this.counters.received++;
    if (Array.isArray(control.blank)) this.rules = control.blank;
    if (control.capture_every_min > 0) this.captureEveryMin = control.capture_every_min;
    if (control.identify_s > 0) this.identifyS = control.identify_s;
    this.checkBlank();
    var self = this;
    var now = this.hooks.clock.now();
    (control.commands || []).forEach(function (c) {
      if (self.done.indexOf(c.id) >= 0 || (c.expires_ms && c.expires_ms < now)) return;
      self.done.push(c.id);
      if (self.done.length > 100) self.done.shift();
      writeJson(DONE_KEY, self.done);
      self.run(c);
    });
    this.flushAcks();
  }

  async run(command) {
    this.counters.ran.push(command.kind);
    if (command.kind === 'capture') {
      var sent = await this.hooks.capture('request', command.id);
      if (!sent) {  // not uploaded: forget it, so the next poll (the command still pending) tries again
        this.done.splice(this.done.indexOf(command.id), 1);
        writeJson(DONE_KEY, this.done);
      }
      return;
    }
    this.unacked.push(command.id);
    if (command.kind === 'identify') { this.identify(); await this.flushAcks(); return; }
    await this.flushAcks();
    if (command.kind === 'reload') this.hooks.reload();
    else if (command.kind === 'clear_cache') await this.hooks.clearCache();
  }

  identify() {
    var screen = this.hooks.screen() || {};
    this.identifyEl.querySelector('.identify-name').textContent = screen.name || '';
    this.identifyEl.querySelector('.identify-code').textContent = screen.id ? '#' + screen.id : '';
    this.identifyEl.hidden = false;
    clearTimeout(this.identifyTimer);
    var self = this;
    this.identifyTimer = setTimeout(function () { self.identifyEl.hidden = true; }, this.identifyS * 1000);
  }

  identifying() {
    return !this.identifyEl.hidden;
  }

  async flushAcks() {
    if (!this.unacked.length || this.acking) return;
    this.acking = true;
    var ids = this.unacked.slice();
    try {
      var r = await call('POST', '/commands/ack', { body: { done: ids }, timeout: 5000 });
      if (r.status < 500 && r.status !== 429 && r.status !== 401) {
        this.unacked = this.unacked.filter(function (id) { return ids.indexOf(id) < 0; });
        if (r.status < 300) this.counters.acksSent += ids.length;
      }
    } catch (e) { /* offline: the next poll tries again */ }
    this.acking = false;
  }

  blanking() {
    return this.isBlank;
  }

  // Dark or not, on the player's clock in the screen's time zone; re-checked every 15 s.
  checkBlank() {
    clearTimeout(this.blankTimer);
    var now = this.hooks.clock.now();
    var on = inBlankHours(this.rules, localMinutes(now, this.hooks.timeZone()));
    if (on !== this.isBlank) {
      this.isBlank = on;
      this.blankEl.hidden = !on;
      document.body.classList.toggle('blanked', on);
      if (on) {
        var since = readJson(BLANK_SINCE_KEY, null);
        if (!since || now - since > 24 * 3600 * 1000) writeJson(BLANK_SINCE_KEY, now);  // a reload keeps its start
      } else {
        this.endBlank(now);
      }
      this.hooks.blankChanged(on);
    }
    var self = this;
    this.blankTimer = setTimeout(function () { self.checkBlank(); }, CHECK_MS);
  }

  endBlank(now) {
    var since = readJson(BLANK_SINCE_KEY, null);
    try { localStorage.removeItem(BLANK_SINCE_KEY); } catch (e) { /* ignore */ }
    if (!since || now <= since) return;
    this.hooks.recordBlank({
      id: uuid4(), item_type: 'blank', started_at: isoTime(since), duration_s: Math.round((now - since) / 10) / 100
    });
  }
}
