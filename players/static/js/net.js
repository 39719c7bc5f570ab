// The player API client: bearer token, JSON, time-outs. Network failures reject; HTTP statuses resolve.

var API = '/api/player/v1';
var TOKEN_KEY = 'signage.player.token';

export function getToken() {
  try { return localStorage.getItem(TOKEN_KEY); } catch (e) { return null; }
}

export function setToken(token) {
  if (token) localStorage.setItem(TOKEN_KEY, token); else localStorage.removeItem(TOKEN_KEY);
}

export async function call(method, path, options) {
  options = options || {};
  var headers = { 'Accept': 'application/json' };
  var token = getToken();
  if (token && !options.anonymous) headers['Authorization'] = 'Bearer ' + token;
  if (options.etag) headers['If-None-Match'] = options.etag;
  var init = { method: method, headers: headers, cache: 'no-store', credentials: 'omit' };
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  var controller = typeof AbortController === 'function' ? new AbortController() : null;
  if (controller) init.signal = controller.signal;
  var timer = setTimeout(function () { if (controller) controller.abort(); }, options.timeout || 10000);
  var sentAt = Date.now();
  try {
    var response = await fetch(API + path, init);
    var receivedAt = Date.now();
    var data = null;
    if (response.status !== 304 && (response.headers.get('Content-Type') || '').indexOf('json') >= 0) {
      data = await response.json();
    }
    return {
      status: response.status, data: data, etag: response.headers.get('ETag'),
      sentAt: sentAt, receivedAt: receivedAt
    };
  } finally {
    clearTimeout(timer);
  }
}
