// What plays at a given instant: pure functions over the manifest.
//
// The segment covering t plays (the highest priority if several do), else the fallback. Inside a segment
// items loop in order from the segment's start: position = (t - start) mod total, so every screen with the
// same manifest and a synced clock shows the same item. The fallback loops from the epoch. The language
// rotates once per loop through the screen's languages; each item uses its asset in that language,
// falling back to Vietnamese, then to any asset it has.
//
// On a running-text strip (screen kind 'ticker') the ticker fills the whole display: while one runs it IS
// the content, so nothing is picked under it (no play is recorded, no item reported as playing), and an item
// playing when a ticker starts is cut at that instant. Items play on the strip when no ticker runs.

function playable(items, failed) {
  return (items || []).filter(function (it) {
    return it.duration_s > 0 && assetFor(it, 'vi') && !(failed && failed.has(it.key));
  });
}

export function assetFor(item, lang) {
  var assets = item.assets || {};
  if (assets[lang]) return assets[lang];
  if (assets.vi) return assets.vi;
  var langs = Object.keys(assets);
  return langs.length ? assets[langs[0]] : null;
}

function segmentAt(timeline, t) {
  var best = null;
  for (var i = 0; i < timeline.length; i++) {
    var seg = timeline[i];
    if (seg.start_ms <= t && t < seg.end_ms && (!best || (seg.priority || 0) > (best.priority || 0))) best = seg;
  }
  return best;
}

function nextBoundary(timeline, t) {
  var next = Infinity;
  for (var i = 0; i < timeline.length; i++) {
    var seg = timeline[i];
    if (seg.start_ms > t && seg.start_ms < next) next = seg.start_ms;
    if (seg.end_ms > t && seg.end_ms < next) next = seg.end_ms;
  }
  return next;
}

export function isStrip(manifest) {
  return !!(manifest && manifest.screen && manifest.screen.kind === 'ticker');
}

// Whether a ticker running at t has a text to show (in one of the screen's languages, else Vietnamese), as
// ticker.js shows it.
function tickerShown(manifest, t, languages) {
  return activeTickers(manifest, t).some(function (tk) {
    var texts = tk.texts || {};
    return !!texts.vi || languages.some(function (l) { return !!texts[l]; });
  });
}

// Returns {key, item, lang, asset, start, end, entryId, source} or null when nothing can (or may) play.
export function pick(manifest, t, failed) {
  var timeline = manifest.timeline || [];
  var languages = (manifest.screen && manifest.screen.languages && manifest.screen.languages.length)
    ? manifest.screen.languages : ['vi'];
  if (isStrip(manifest) && tickerShown(manifest, t, languages)) return null;
  var seg = segmentAt(timeline, t);
  var items = seg ? playable(seg.items, failed) : [];
  var anchor = seg ? seg.start_ms : 0;
  var limit = seg ? seg.end_ms : nextBoundary(timeline, t);
  var source = seg ? 'entry' : 'fallback';
  if (!items.length) {
    items = playable(manifest.fallback && manifest.fallback.items, failed);
    anchor = 0;
    source = 'fallback';
    limit = seg ? seg.end_ms : nextBoundary(timeline, t);
    if (!items.length) return null;
  }
  var total = 0;
  for (var i = 0; i < items.length; i++) total += items[i].duration_s * 1000;
  var elapsed = t - anchor;
  var cycle = Math.floor(elapsed / total);
  var pos = elapsed - cycle * total;
  var index = 0;
  var start = anchor + cycle * total;
  while (pos >= items[index].duration_s * 1000) {
    pos -= items[index].duration_s * 1000;
    start += items[index].duration_s * 1000;
    index++;
  }
  var item = items[index];
  var lang = languages[((cycle % languages.length) + languages.length) % languages.length];
  if (isStrip(manifest)) limit = Math.min(limit, nextTickerChange(manifest, t));
  var end = Math.min(start + item.duration_s * 1000, limit);
  var entryId = seg && source === 'entry' ? seg.entry_id : null;
  return {
    key: [source, entryId, item.key, lang, start].join('|'),
    item: item, lang: lang, asset: assetFor(item, lang), start: start, end: end, entryId: entryId, source: source
  };
}

// Tickers valid at t (each with an optional validity window); the fallback's when no segment covers t.
export function activeTickers(manifest, t) {
  var list = (manifest.tickers || []).slice();
  if (!segmentAt(manifest.timeline || [], t)) list = list.concat((manifest.fallback && manifest.fallback.tickers) || []);
  return list.filter(function (tk) {
    var from = tk.valid_from ? Date.parse(tk.valid_from) : -Infinity;
    var until = tk.valid_until ? Date.parse(tk.valid_until) : Infinity;
    return from <= t && t < until;
  });
}

// The next instant after t when the set of active tickers changes (Infinity when never).
export function nextTickerChange(manifest, t) {
  var next = nextBoundary(manifest.timeline || [], t);
  (manifest.tickers || []).forEach(function (tk) {
    [tk.valid_from, tk.valid_until].forEach(function (v) {
      var ms = v ? Date.parse(v) : NaN;
      if (ms > t && ms < next) next = ms;
    });
  });
  return next;
}
