// The signage player: pairing, manifest polling, the playback loop, heartbeats and proof of play.
//
// Test hooks: `?speed=N` accelerates the playback clock, `window.__player` exposes state and counters.

import { Alerts } from './alerts.js';
import { pruneAssets, syncAssets } from './assets.js';
import { Clock } from './clock.js';
import { call, getToken, setToken } from './net.js';
import { Stage } from './stage.js';
import { Store } from './store.js';
import { Ticker } from './ticker.js';
import { activeTickers, nextTickerChange, pick } from './timeline.js';
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
var PLAY_BATCH = 100;

var state = {
  manifest: null, etag: null, current: null, playing: null, failed: new Map(), errors: [],
  online: false, tickTimer: null, tickerTimer: null, ticking: false, retick: false, registration: null
};
var stats = { synced: 0, transitions: 0, plays: 0, skipped: 0, heartbeatsSent: [], playsSent: 0, lastKey: null, history: [] };
window.__player = {
  clock: clock, state: state, stats: stats, version: config.version, flush: flush, store: store, alerts: alerts
};

function reportError(message) {
  state.errors.push(isoTime(Date.now() + clock.offset) + ' ' + String(message).slice(0, 300));
  if (state.errors.length > 20) state.errors.shift();
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
  var m = state.manifest;
  return !!(m && m.screen && m.screen.kind === 'ticker');
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
  state.playing = { id: uuid4(), slot: slot, startedAt: clock.now(), covered: alerts.active() };
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
  stage.pauseVideo(on);
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
  await store.push('heartbeat', {
    playing: current ? { key: current.item.key, name: current.item.name, entry_id: current.entryId, lang: current.lang }
      : null,
    alert: alerts.active(),
    app_version: config.version,
    manifest_etag: state.etag,
    screen_w: Math.round(innerWidth * devicePixelRatio), screen_h: Math.round(innerHeight * devicePixelRatio),
    free_storage: free,
    errors: state.errors.splice(0),
    sent_at: isoTime(Date.now() + clock.offset)
  });
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
  pollManifest();
  setTimeout(heartbeatLoop, 1000);
  flushLoop();
  addEventListener('resize', function () { orient(); updateTickers(); });
}

window.addEventListener('error', function (e) { reportError(e.message); });
window.addEventListener('unhandledrejection', function (e) { reportError(e.reason); });
boot();
