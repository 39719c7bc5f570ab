// Assets live in Cache Storage ("signage-assets"): downloaded ahead of time, checked against their
// sha256 and size, served by the service worker (also when the controller is down), pruned when no
// manifest needs them any more.

export var ASSET_CACHE = 'signage-assets';

function hex(buffer) {
  var bytes = new Uint8Array(buffer);
  var out = '';
  for (var i = 0; i < bytes.length; i++) out += (bytes[i] + 0x100).toString(16).slice(1);
  return out;
}

export function absolute(url) {
  return new URL(url, location.href).href;
}

async function download(cache, asset) {
  var response = await fetch(asset.url, { cache: 'no-store', credentials: 'omit' });
  if (!response.ok) throw new Error('HTTP ' + response.status + ' for ' + asset.url);
  var blob = await response.blob();
  if (asset.size && blob.size !== asset.size) throw new Error('size mismatch for ' + asset.url);
  if (asset.sha256 && crypto.subtle) {
    var digest = hex(await crypto.subtle.digest('SHA-256', await blob.arrayBuffer()));
    if (digest !== asset.sha256) throw new Error('sha256 mismatch for ' + asset.url);
  }
  var headers = new Headers({ 'Content-Type': asset.mime || blob.type || 'application/octet-stream',
    'Content-Length': String(blob.size) });
  await cache.put(absolute(asset.url), new Response(blob, { status: 200, headers: headers }));
}

// Download what is missing; returns the list of assets that failed (url + error).
export async function syncAssets(assets, onError) {
  if (!window.caches) return [];
  var cache = await caches.open(ASSET_CACHE);
  var failed = [];
  for (var i = 0; i < assets.length; i++) {
    var asset = assets[i];
    try {
      if (!(await cache.match(absolute(asset.url)))) await download(cache, asset);
    } catch (err) {
      failed.push({ url: asset.url, error: String(err && err.message || err) });
      if (onError) onError('asset ' + asset.url + ': ' + (err && err.message || err));
    }
  }
  return failed;
}

// Drop cached assets no current manifest refers to.
export async function pruneAssets(keepUrls) {
  if (!window.caches) return;
  var keep = {};
  keepUrls.forEach(function (u) { keep[absolute(u)] = true; });
  var cache = await caches.open(ASSET_CACHE);
  var requests = await cache.keys();
  for (var i = 0; i < requests.length; i++) {
    if (!keep[requests[i].url]) await cache.delete(requests[i]);
  }
}
