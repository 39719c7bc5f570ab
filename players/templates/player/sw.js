// The player's service worker: the page and its scripts network-first (cached copy when the controller is
// down or slow), assets cache-first from "signage-assets" (filled by the page; byte ranges for video).
// The API is never cached here: the page keeps its own state for offline operation.
var VERSION = {{ version|tojson }};
var SHELL = {{ shell|tojson }};
var SHELL_CACHE = 'signage-shell-' + VERSION;
var ASSET_CACHE = 'signage-assets';
var NETWORK_TIMEOUT_MS = 4000;

self.addEventListener('install', function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll(SHELL);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener('activate', function (event) {
  event.waitUntil(caches.keys().then(function (keys) {
    return Promise.all(keys.filter(function (k) {
      return k.indexOf('signage-shell-') === 0 && k !== SHELL_CACHE;
    }).map(function (k) { return caches.delete(k); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener('fetch', function (event) {
  var request = event.request;
  if (request.method !== 'GET') return;
  if ((request.headers.get('Accept') || '').indexOf('text/event-stream') >= 0) return;  // the push stream (push.js)
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) {
    event.respondWith(asset(request));  // assets on a CDN: cached copies are served offline too
    return;
  }
  if (url.pathname.indexOf('/api/') === 0) return;
  if (url.pathname === '/play/' || url.pathname === '/play' || url.pathname.indexOf('/play/static/') === 0) {
    event.respondWith(shell(request, url.pathname === '/play' ? '/play/' : url.pathname));
    return;
  }
  event.respondWith(asset(request));
});

function timeout(promise, ms) {
  return new Promise(function (resolve, reject) {
    var timer = setTimeout(function () { reject(new Error('network timeout')); }, ms);
    promise.then(function (v) { clearTimeout(timer); resolve(v); }, function (e) { clearTimeout(timer); reject(e); });
  });
}

async function shell(request, key) {
  var cache = await caches.open(SHELL_CACHE);
  try {
    var response = await timeout(fetch(request), NETWORK_TIMEOUT_MS);
    if (response.ok && response.type === 'basic') await cache.put(key, response.clone());
    if (response.ok || response.status === 304) return response;
    var stale = await cache.match(key);
    return stale || response;
  } catch (err) {
    var hit = await cache.match(key);
    if (hit) return hit;
    throw err;
  }
}

async function asset(request) {
  var cache = await caches.open(ASSET_CACHE);
  var hit = await cache.match(request.url);
  if (!hit) return fetch(request);
  var range = request.headers.get('Range');
  return range ? ranged(hit, range) : hit;
}

// Media elements ask for byte ranges; answer them from the cached body.
async function ranged(response, header) {
  var match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  var blob = await response.blob();
  var size = blob.size;
  if (!match) return new Response(blob, { status: 200, headers: response.headers });
  var start = match[1] === '' ? Math.max(0, size - Number(match[2])) : Number(match[1]);
  var end = match[1] !== '' && match[2] !== '' ? Math.min(Number(match[2]), size - 1) : size - 1;
  if (start >= size || start > end) {
    return new Response(null, { status: 416, headers: { 'Content-Range': 'bytes */' + size } });
  }
  return new Response(blob.slice(start, end + 1), {
    status: 206,
    headers: {
      'Content-Type': response.headers.get('Content-Type') || 'application/octet-stream',
      'Content-Range': 'bytes ' + start + '-' + end + '/' + size,
      'Content-Length': String(end - start + 1),
      'Accept-Ranges': 'bytes'
    }
  });
}
