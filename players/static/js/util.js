// Small helpers shared by the player modules (ES2017: nothing newer than Chrome 69 supports).

export function uuid4() {
  var b = new Uint8Array(16);
  crypto.getRandomValues(b);
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  var h = [];
  for (var i = 0; i < 16; i++) h.push((b[i] + 0x100).toString(16).slice(1));
  return h.slice(0, 4).join('') + '-' + h.slice(4, 6).join('') + '-' + h.slice(6, 8).join('') + '-' +
    h.slice(8, 10).join('') + '-' + h.slice(10).join('');
}

export function sleep(ms) {
  return new Promise(function (resolve) { setTimeout(resolve, ms); });
}

export function withTimeout(promise, ms, label) {
  var timer;
  var timeout = new Promise(function (resolve, reject) {
    timer = setTimeout(function () { reject(new Error((label || 'operation') + ' timed out')); }, ms);
  });
  return Promise.race([promise, timeout]).then(function (v) { clearTimeout(timer); return v; },
    function (e) { clearTimeout(timer); throw e; });
}

// Remove every child of an element (no markup is ever parsed: texts go in through textContent).
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
}

export function isoTime(ms) {
  return new Date(ms).toISOString();
}

// A JSON value kept in localStorage (the player's memory across reloads); `fallback` when absent or unreadable.
export function readJson(key, fallback) {
  try {
    var value = JSON.parse(localStorage.getItem(key) || 'null');
    return value === null ? fallback : value;
  } catch (e) { return fallback; }
}

export function writeJson(key, value) {
  try { localStorage.setItem(key, JSON.stringify(value)); } catch (e) { /* full: keep going */ }
}
