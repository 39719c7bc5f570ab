// Emergency alerts: polled every ~2 s from a tiny endpoint (ETag → 304), shown full screen above
// everything until cancelled, rotating through the screen's languages. Running-text strips show a red
// crawl instead. The last known state survives a reload, so an alert stays up while the controller is down.

import { call } from './net.js';
import { clear } from './util.js';

var POLL_MS = 2000;
var ROTATE_MS = 8000;
var STORE_KEY = 'signage.player.alerts';
var TITLES = {
  vi: 'C\u1EA2NH B\u00C1O KH\u1EA8N C\u1EA4P', en: 'EMERGENCY ALERT',
  ru: '\u042D\u041A\u0421\u0422\u0420\u0415\u041D\u041D\u041E\u0415 \u041E\u041F\u041E\u0412\u0415\u0429\u0415\u041D\u0418\u0415',
  zh: '\u7D27\u6025\u8B66\u62A5', ko: '\uAE34\uAE09 \uACBD\uBCF4'
};

export class Alerts {
  constructor(root, onChange) {
    this.root = root;
    this.title = root.querySelector('.alert-title');
    this.body = root.querySelector('.alert-body');
    this.langs = root.querySelector('.alert-langs');
    this.crawl = root.querySelector('.alert-crawl .track');
    this.onChange = onChange;
    this.etag = null;
    this.pollSeconds = 0;
    this.alerts = [];
    this.languages = ['vi'];
    this.strip = false;
    this.index = 0;
    this.rotateTimer = null;
    this.animation = null;
    try {
      var saved = JSON.parse(localStorage.getItem(STORE_KEY) || 'null');
      if (saved && saved.alerts) this.alerts = saved.alerts;
    } catch (e) { /* ignore a corrupt copy */ }
  }

  configure(languages, strip) {
    var changed = strip !== this.strip || JSON.stringify(languages) !== JSON.stringify(this.languages);
    this.languages = languages && languages.length ? languages : ['vi'];
    this.strip = strip;
    if (changed) this.render();
  }

  start() {
    var self = this;
    this.render();
    function loop() {
      var next = function () { setTimeout(loop, self.pollMs()); };
      self.poll().then(next, next);
    }
    loop();
  }

  pollMs() {
    return this.pollSeconds > 0 ? this.pollSeconds * 1000 : POLL_MS;
  }

  async poll() {
    var r = await call('GET', '/alerts', { etag: this.etag, timeout: 5000 });
    if (r.status === 200 && r.data) {
      this.etag = r.etag;
      this.pollSeconds = r.data.poll_s;
      this.set(r.data.alerts || []);
    } else if (r.status === 401) {
      this.etag = null;
    }
  }

  set(alerts) {
    var before = JSON.stringify(this.alerts);
    this.alerts = alerts;
    if (JSON.stringify(alerts) === before) return;
    try { localStorage.setItem(STORE_KEY, JSON.stringify({ alerts: alerts })); } catch (e) { /* full */ }
    this.index = 0;
    this.render();
  }

  active() {
    return this.alerts.length > 0;
  }

  // (alert, language) pairs to rotate through: the screen's languages the alert has, Vietnamese first.
  pages() {
    var pages = [];
    var langs = this.languages.slice();
    if (langs.indexOf('vi') < 0) langs.unshift('vi');
    this.alerts.forEach(function (a) {
      langs.forEach(function (l) { if (a.messages && a.messages[l]) pages.push({ alert: a, lang: l }); });
    });
    return pages;
  }

  render() {
    clearTimeout(this.rotateTimer);
    var on = this.active();
    this.root.hidden = !on;
    this.root.classList.toggle('strip', this.strip);
    document.body.classList.toggle('alerting', on);
    if (this.animation) { this.animation.cancel(); this.animation = null; }
    clear(this.crawl);
    if (this.onChange) this.onChange(on);
    if (!on) return;
    if (this.strip) this.renderCrawl(); else this.renderPage();
  }

  renderPage() {
    var pages = this.pages();
    if (!pages.length) return;
    var page = pages[this.index % pages.length];
    this.root.lang = page.lang;
    this.root.setAttribute('data-severity', page.alert.severity || 'severe');
    this.title.textContent = TITLES[page.lang] || TITLES.en;
    this.body.textContent = page.alert.messages[page.lang];
    this.fit();
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
    var pages = this.pages();
    var unit = document.createElement('span');
    pages.forEach(function (p) {
      var title = document.createElement('b');
      title.textContent = '\u26A0 ' + (TITLES[p.lang] || TITLES.en) + ': ';
      var text = document.createElement('span');
      text.textContent = p.alert.messages[p.lang] + '   \u25C6   ';
      unit.appendChild(title);
      unit.appendChild(text);
    });
    this.crawl.appendChild(unit);
    var width = Math.max(1, unit.getBoundingClientRect().width);
    var copies = Math.ceil(this.root.clientWidth / width) + 1;
    for (var i = 1; i < copies; i++) this.crawl.appendChild(unit.cloneNode(true));
    this.animation = this.crawl.animate(
      [{ transform: 'translate3d(0,0,0)' }, { transform: 'translate3d(' + (-width) + 'px,0,0)' }],
      { duration: width / 90 * 1000, iterations: Infinity, easing: 'linear' }
    );
  }
}
