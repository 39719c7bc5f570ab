// The signage player: pairing, manifest polling, the playback loop, heartbeats (with diagnostics), proof of
// play, captures of the glass and remote control (commands and blank hours, control.js), pushed to it over
// server-sent events where the controller offers them (push.js).
//
// Test hooks: `?speed=N` accelerates the playback clock, `window.__player` exposes state and counters.

import { Alerts } from './alerts.js';
import { ASSET_CACHE, absolute, pruneAssets, syncAssets } from './assets.js';
import { jpeg } from './capture.js';
import { Clock } from './clock.js';
import { Control } from './control.js';
import { call, getToken, setToken } from './net.js';
import { Push } from './push.js';
import { Stage } from './stage.js';
import { Store } from './store.js';
import { Ticker } from './ticker.js';
import { activeTickers, isStrip as manifestIsStrip, nextTickerChange, pick } from './timeline.js';
import { isoTime, sleep, uuid4, withTimeout } from './util.js';

var config = JSON.parse(document.getElementById('player-config').textContent);
var params = new URLSearchParams(location.search);
var clock = new Clock(parseFloat(params.get('speed')) || 1);
var store = new Store();
var stage = new Stage(document.getElementById('stage'));
var ticker = new Ticker(document.getElementById('ticker'));
var alerts = new Alerts(document.getElementById('alert'), onAlertChange, clock);
var pairingEl = document.getElementById('pairing');
var idleEl = document.getElementById('idle');

var FAILED_RETRY_MS = 5 * 60 * 1000;
var FLUSH_MS = 5000;
var PLAY_BATCH = 100;  // lowered to the server's `max_batch` if it ever answers 413
var MAX_LISTED_ASSETS = 50;

var state = {
  manifest: null, etag: null, current: null, playing: null, failed: new Map(), errors: [],
  online: false, tickTimer: null, tickerTimer: null, ticking: false, retick: false, registration: null,
  nothingSince: null, rttMs: null, jsErrors: {}, corrupt: {}
};
var stats = {
  synced: 0, transitions: 0, plays: 0, skipped: 0, heartbeatsSent: [], playsSent: 0, lastKey: null, history: [],
  captures: 0
};
var control = new Control({
  clock: clock,
  screen: function () { return state.manifest && state.manifest.screen; },
  timeZone: function () { return state.manifest && state.manifest.timezone || 'Asia/Ho_Chi_Minh'; },
  capture: captureGlass, reload: function () { location.reload(); }, clearCache: clearCache,
  blankChanged: onBlankChange,
  recordBlank: function (record) { store.push('play', record).catch(reportError); }
});
alerts.onControl = function (payload) { control.apply(payload); };
// Alerts and commands pushed over server-sent events where the controller offers them (push.js)
var push = new Push(function (data) { alerts.onPush(data); }, function (open) { alerts.onPushState(open); });
alerts.push = push;
window.__player = {
  clock: clock, state: state, stats: stats, version: config.version, flush: flush, store: store, alerts: alerts,
  push: push,
  control: control, capture: captureGlass, shows: shows, composite: function () { return jpeg(stage); }
};

function reportError(message) {
  var text = String(message && message.message || message).slice(0, 300);
  state.errors.push(isoTime(Date.now() + clock.offset) + ' ' + text);
  if (state.errors.length > 20) state.errors.shift();
  var mismatch = /(?:sha256|size) mismatch for (\S+)/.exec(text);
  if (mismatch) state.corrupt[mismatch[1]] = true;
}

// JavaScript errors for the diagnostics, deduplicated with counts (also kept in the errors list).
function reportJsError(message) {
  var text = String(message && message.message || message).slice(0, 300);
  state.jsErrors[text] = (state.jsErrors[text] || 0) + 1;
  reportError(text);
}

// ------------------------------------------------------------------ pairing

function showPairing(code, status) {
  pairingEl.hidden = false;
  var codeEl = pairingEl.querySelector('.pair-code');
  codeEl.textContent = code ? code.slice(0, 3) + '\u2009' + code.slice(3) : '\u2026';
  var statusEl = pairingEl.querySelector('.pair-status');
  var texts = config.texts;
  statusEl.textContent = texts.vi[status] + ' \u00B7 ' + texts.en[status];
}

async function pair() {
  var device = {
    user_agent: navigator.userAgent, screen_w: screen.width, screen_h: screen.height,
    viewport_w: innerWidth, viewport_h: innerHeight, pixel_ratio: devicePixelRatio,
    language: navigator.language, player_version: config.version
  };
  showPairing(null, 'waiting');
  for (;;) {
    var started;
    try {
      started = await call('POST', '/pair', { anonymous: true, body: { device: device } });
    } catch (err) {
      showPairing(null, 'offline');
      await sleep(5000);
      continue;
    }
    if (started.status !== 201) { showPairing(null, 'offline'); await sleep(10000); continue; }
    var data = started.data;
    showPairing(data.code, 'waiting');
    var wait = Math.max(1, data.poll_after_s || 3) * 1000;
    for (;;) {
      await sleep(wait);
      var r;
      try { r = await call('GET', '/pair/' + encodeURIComponent(data.pairing_id), { anonymous: true }); } catch (err) {
        showPairing(data.code, 'offline');
        continue;
      }
      if (r.status === 200 && r.data && r.data.token) {
        setToken(r.data.token);
        pairingEl.hidden = true;
        return;
      }
      if (r.status === 202) { showPairing(data.code, 'waiting'); continue; }
      showPairing(null, 'expired');
      break;
    }
  }
}

async function unpaired() {
  setToken(null);
  localStorage.removeItem('signage.player.alerts');
  localStorage.removeItem('signage.player.alerts.acked');
  await store.clearAll();
  location.reload();
}

// ------------------------------------------------------------------ manifest

function languages() {
  var m = state.manifest;
  return m && m.screen && m.screen.languages && m.screen.languages.length ? m.screen.languages : ['vi'];
}

function isStrip() {
  return manifestIsStrip(state.manifest);  // one rule for what a strip is (timeline.js: nothing plays under its ticker)
}

// Rotate the drawing when the screen's orientation and the browser's output disagree. `?rotate=0|90|270`
// overrides (which way a monitor was turned depends on how it was mounted).
function orient() {
  var m = state.manifest;
  var wanted = params.get('rotate');
  if (wanted === null && m && m.screen) {
    var portrait = m.screen.orientation === 'portrait' || m.screen.height > m.screen.width;
    wanted = portrait === innerWidth > innerHeight ? '90' : '0';
  }
  document.documentElement.classList.toggle('rotate-90', wanted === '90');
  document.documentElement.classList.toggle('rotate-270', wanted === '270');
}

function applyManifest(manifest, etag, fresh) {
  state.manifest = manifest;
  state.etag = etag;
  orient();
  document.body.classList.toggle('kind-ticker', isStrip());
  alerts.configure(languages(), isStrip());
  if (fresh) {
    state.failed.clear();
    store.set('manifest', { manifest: manifest, etag: etag, offset: clock.offset }).catch(reportError);
    if (manifest.player_version && manifest.player_version !== config.version) reloadForVersion(manifest.player_version);
  }
  updateTickers();
  if (!state.current) tick();
  else plan();
  if (fresh) syncInBackground();
}

// Download the current manifest's assets (one sync at a time, never holding up polling or playback),
// then drop cached files no longer needed.
var syncing = null;

function syncInBackground() {
  if (syncing) { syncing.again = true; return; }
  syncing = { again: false };
  (async function () {
    do {
      syncing.again = false;
      var manifest = state.manifest;
      var assets = manifest.assets || [];
      await syncAssets(assets, reportError);
      if (state.manifest === manifest) {
        var keep = assets.map(function (a) { return a.url; });
        if (state.current && state.current.asset) keep.push(state.current.asset.url);
        await pruneAssets(keep);
      }
      stats.synced++;
    } while (syncing.again);
  })().catch(reportError).then(function () { syncing = null; });
}

function reloadForVersion(version) {
  // At most one reload per announced version, so a mismatch cannot loop.
  if (sessionStorage.getItem('signage.player.reloadedFor') === version) return;
  sessionStorage.setItem('signage.player.reloadedFor', version);
  var update = state.registration ? state.registration.update() : Promise.resolve();
  withTimeout(update, 5000, 'service worker update').catch(function () {}).then(function () { location.reload(); });
}

async function pollManifest() {
  try {
    var r = await call('GET', '/manifest', { etag: state.etag });
    state.online = r.status < 500;
    state.rttMs = r.receivedAt - r.sentAt;
    if (r.status === 200 && r.data) {
      clock.sync(r.data.server_time_ms, r.sentAt, r.receivedAt);
      applyManifest(r.data, r.etag, true);
    } else if (r.status === 401) {
      await unpaired();
      return;
    }
  } catch (err) {
    state.online = false;
  }
  var interval = state.manifest && state.manifest.poll_interval_s ? state.manifest.poll_interval_s : 30;
  setTimeout(pollManifest, interval * 1000);
}

// ------------------------------------------------------------------ playback

function failedKeys() {
  var now = Date.now();
  var keys = new Set();
  state.failed.forEach(function (until, key) {
    if (until > now) keys.add(key); else state.failed.delete(key);
  });
  return keys;
}

function markFailed(slot, err) {
  state.failed.set(slot.item.key, Date.now() + FAILED_RETRY_MS);
  stats.skipped++;
  reportError('item ' + slot.item.key + ' (' + (slot.asset && slot.asset.url) + '): ' + (err && err.message || err));
}

function fadeFor(slot) {
  var realLength = (slot.end - slot.start) / clock.speed;
  return Math.max(0, Math.min(700, realLength * 0.3));
}

function plan() {
  clearTimeout(state.tickTimer);
  var at = state.current ? state.current.end : clock.now() + 5000 * clock.speed;
  state.tickTimer = setTimeout(tick, Math.min(clock.realDelay(at), 60000));
}

function showIdle(on) {
  idleEl.hidden = !on;
  if (on) {
    var tz = state.manifest && state.manifest.timezone || 'Asia/Ho_Chi_Minh';
    var when = new Date(clock.now());
    var text;
    try {
      text = when.toLocaleTimeString('vi-VN', { hour: '2-digit', minute: '2-digit', timeZone: tz });
    } catch (e) { text = when.toLocaleTimeString(); }
    idleEl.firstElementChild.textContent = text;
  }
}

async function tick() {
  if (state.ticking) { state.retick = true; return; }
  state.ticking = true;
  try {
    for (var attempt = 0; attempt < 20; attempt++) {
      var manifest = state.manifest;
      if (!manifest) return;
      var now = clock.now();
      var slot = pick(manifest, now, failedKeys());
      if (!slot) {
        finishPlay(now);
        state.current = null;
        if (state.nothingSince === null) state.nothingSince = clock.now();
        stage.blank();
        showIdle(true);
        return;
      }
      if (state.current && state.current.key === slot.key) return;
      try {
        await withTimeout(stage.prepare(slot), 15000, 'loading ' + slot.asset.url);
      } catch (err) {
        if (err && err.message === 'superseded') continue;
        markFailed(slot, err);
        continue;
      }
      showIdle(false);
      state.nothingSince = null;
      finishPlay(clock.now());
      stage.show(slot, fadeFor(slot));
      state.current = slot;
      startPlay(slot);
      stats.transitions++;
      stats.lastKey = slot.item.key;
      stats.history.push({ key: slot.item.key, item_type: slot.item.item_type, item_id: slot.item.item_id, lang: slot.lang, start: slot.start, end: slot.end, at: clock.now() });
      if (stats.history.length > 50) stats.history.shift();
      preloadAfter(slot);
      return;
    }
  } finally {
    state.ticking = false;
    plan();
    if (state.retick) { state.retick = false; setTimeout(tick, 0); }
  }
}

function preloadAfter(slot) {
  var manifest = state.manifest;
  var next = pick(manifest, slot.end, failedKeys());
  if (!next || next.key === slot.key) return;
  stage.prepare(next).catch(function (err) {
    if (err && err.message !== 'superseded' && state.manifest === manifest) markFailed(next, err);
  });
}

// ------------------------------------------------------------------ proof of play

function startPlay(slot) {
  state.playing = { id: uuid4(), slot: slot, startedAt: clock.now(), covered: alerts.active() || control.blanking() };
}

function finishPlay(now) {
  var p = state.playing;
  state.playing = null;
  if (!p || p.covered) return;
  var item = p.slot.item;
  var record = {
    id: p.id, item_type: item.item_type, item_id: item.item_id, entry_id: p.slot.entryId,
    started_at: isoTime(p.startedAt), duration_s: Math.round((now - p.startedAt) / 10) / 100,
    name: item.name, sha256: p.slot.asset ? p.slot.asset.sha256 : null, lang: p.slot.lang
  };
  stats.plays++;
  store.push('play', record).catch(reportError);
}

function onAlertChange(on) {
  if (state.playing && on) state.playing.covered = true;
  stage.pauseVideo(on || control.blanking());
}

// Blank hours began or ended: nothing plays unseen under the dark glass (no proof of play, video held).
function onBlankChange(on) {
  if (state.playing && on) state.playing.covered = true;
  stage.pauseVideo(on || alerts.active());
}

// ------------------------------------------------------------------ tickers

function updateTickers() {
  clearTimeout(state.tickerTimer);
  var manifest = state.manifest;
  if (!manifest) return;
  var now = clock.now();
  var shown = ticker.update(activeTickers(manifest, now), languages());
  document.body.classList.toggle('has-ticker', shown);
  var next = nextTickerChange(manifest, now);
  if (next < Infinity) state.tickerTimer = setTimeout(updateTickers, Math.min(clock.realDelay(next) + 20, 60000));
}

// ------------------------------------------------------------------ heartbeats and the outbox

async function queueHeartbeat() {
  var free = null;
  try {
    if (navigator.storage && navigator.storage.estimate) {
      var est = await navigator.storage.estimate();
      free = est.quota - est.usage;
    }
  } catch (e) { /* unknown */ }
  var current = state.current;
  var diagnostics = await collectDiagnostics(free);
  await store.push('heartbeat', {
    playing: current ? { key: current.item.key, name: current.item.name, entry_id: current.entryId, lang: current.lang }
      : null,
    alert: alerts.active(),
    app_version: config.version,
    manifest_etag: state.etag,
    screen_w: Math.round(innerWidth * devicePixelRatio), screen_h: Math.round(innerHeight * devicePixelRatio),
    free_storage: free,
    errors: state.errors.splice(0),
    diagnostics: diagnostics,
    sent_at: isoTime(Date.now() + clock.offset)
  });
}

// What a technician needs from afar (players/heartbeat.py lists the keys).
async function collectDiagnostics(free) {
  var missing = [];
  var assets = state.manifest && state.manifest.assets || [];
  try {
    if (assets.length && window.caches) {
      var cache = await caches.open(ASSET_CACHE);
      var cached = {};
      (await cache.keys()).forEach(function (req) { cached[req.url] = true; });
      assets.forEach(function (a) { if (!cached[absolute(a.url)] && missing.length < MAX_LISTED_ASSETS) missing.push(a.url); });
    }
  } catch (e) { /* Cache Storage unavailable: nothing to list */ }
  var jsErrors = Object.keys(state.jsErrors).map(function (m) { return { message: m, count: state.jsErrors[m] }; });
  state.jsErrors = {};
  var nothing = state.nothingSince !== null && !alerts.active() && !control.blanking();
  return {
    missing_assets: missing,
    corrupt_assets: Object.keys(state.corrupt).slice(0, MAX_LISTED_ASSETS),
    free_storage_bytes: free !== null && free >= 0 ? Math.round(free) : null,
    js_errors: jsErrors.slice(0, 20),
    clock_offset_ms: Math.round(clock.offset),
    rtt_ms: state.rttMs !== null && state.rttMs >= 0 ? Math.round(state.rttMs) : null,
    browser: navigator.userAgent,
    page_uptime_s: Math.round(performance.now() / 1000),
    blank_s: nothing ? Math.max(0, Math.round((clock.now() - state.nothingSince) / 1000)) : 0
  };
}

// ------------------------------------------------------------------ captures of the glass

// What the capture shows, as the player knows it (stored with the JPEG, shown to the operator).
function shows() {
  var current = state.current;
  var tickerEl = document.getElementById('ticker');
  var unit = tickerEl.hidden ? null : tickerEl.querySelector('.unit');
  var alertEl = document.getElementById('alert');
  return {
    item_key: current ? current.item.key : null, item_type: current ? current.item.item_type : null,
    item_id: current ? current.item.item_id : null, name: current ? current.item.name : '',
    ticker: unit ? unit.textContent.slice(0, 500) : '',
    alert: alerts.active() ? { ids: alerts.shown.map(function (a) { return a.id; }),
      title: alertEl.querySelector('.alert-title').textContent,
      body: alertEl.querySelector('.alert-body').textContent.slice(0, 500) } : null,
    blank: control.blanking(), identify: control.identifying()
  };
}

// Composite the glass and upload it; true when the controller has it.
async function captureGlass(reason, commandId) {
  try {
    var takenAt = Math.round(clock.now());
    var image = jpeg(stage);
    var r = await call('POST', '/captures', { timeout: 20000, body: {
      jpeg: image.base64, taken_at_ms: takenAt, reason: reason, command_id: commandId || null, shows: shows()
    } });
    if (r.status === 201) stats.captures++;
    else if (r.status !== 429) reportError('capture: HTTP ' + r.status);
    return r.status === 201;
  } catch (err) {
    reportError('capture: ' + (err && err.message || err));
    return false;
  }
}

function captureLoop() {
  if (getToken() && state.manifest) captureGlass('scheduled');
  setTimeout(captureLoop, control.captureEveryMin * 60 * 1000);
}

async function clearCache() {
  try { await caches.delete(ASSET_CACHE); } catch (e) { reportError(e); }
  try { await store.set('manifest', null); } catch (e) { reportError(e); }
  location.reload();  // the manifest comes fresh (no ETag) and every asset is downloaded again
}

var flushing = null;

function flush() {
  if (!flushing) {
    flushing = flushOutbox().catch(function () {}).then(function () { flushing = null; });
  }
  return flushing;
}

async function flushOutbox() {
  var beats = await store.peek('heartbeat', 20);
  for (var i = 0; i < beats.length; i++) {
    var r = await call('POST', '/heartbeat', { body: beats[i].body });
    if (r.status === 401) return;
    if (r.status >= 500 || r.status === 429) return;
    await store.remove([beats[i].seq]);  // 2xx, or a 4xx that a retry cannot fix
    if (r.status < 300) {
      stats.heartbeatsSent.push(beats[i].body.sent_at);
      if (stats.heartbeatsSent.length > 100) stats.heartbeatsSent.shift();
    }
  }
  for (;;) {
    var plays = await store.peek('play', PLAY_BATCH);
    if (!plays.length) return;
    var res = await call('POST', '/plays', { body: { plays: plays.map(function (p) { return p.body; }) } });
    if (res.status === 413 && res.data && res.data.max_batch > 0 && res.data.max_batch < plays.length) {
      PLAY_BATCH = res.data.max_batch;  // send what the server accepts, keep the rest queued
      continue;
    }
    if (res.status === 401 || res.status >= 500 || res.status === 429) return;
    await store.remove(plays.map(function (p) { return p.seq; }));
    if (res.status < 300) stats.playsSent += plays.length;
  }
}

function heartbeatLoop() {
  queueHeartbeat().catch(reportError).then(flush);
  var interval = state.manifest && state.manifest.poll_interval_s ? state.manifest.poll_interval_s : 30;
  setTimeout(heartbeatLoop, interval * 1000);
}

function flushLoop() {
  flush().then(function () { setTimeout(flushLoop, FLUSH_MS); });
}

// ------------------------------------------------------------------ start

function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return Promise.resolve();
  return navigator.serviceWorker.register('/play/sw.js', { scope: '/play/' }).then(function (reg) {
    state.registration = reg;
  }, function (err) { reportError('service worker: ' + err); });
}

async function boot() {
  registerServiceWorker();
  if (!getToken()) await pair();
  var saved = null;
  try { saved = await store.get('manifest'); } catch (e) { reportError(e); }
  if (saved && saved.manifest) {
    clock.offset = saved.offset || 0;
    applyManifest(saved.manifest, saved.etag, false);
  }
  alerts.start();
  control.start();
  pollManifest();
  setTimeout(captureLoop, (20 + Math.random() * 40) * 1000);  // the first soon after start, then every N min
  setTimeout(heartbeatLoop, 1000);
  flushLoop();
  addEventListener('resize', function () { orient(); updateTickers(); });
}

window.addEventListener('error', function (e) { reportJsError(e.message); });
window.addEventListener('unhandledrejection', function (e) { reportJsError(e.reason); });
boot();
