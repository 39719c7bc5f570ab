// Running text: a bar at the bottom of normal screens, the whole display on running-text strips.
// The crawl is a GPU transform animation (Web Animations API) of a track holding the text twice or more,
// moved by exactly one copy's width per loop, so it never jumps. Text goes in through textContent only.

import { clear } from './util.js';

var SEPARATOR = '   \u25C6   ';

export class Ticker {
  constructor(root) {
    this.root = root;
    this.track = root.querySelector('.track');
    this.signature = null;
    this.animation = null;
  }

  // tickers: [{id, texts: {lang: text}, speed_px_s, fg, bg}], languages: the screen's languages in order.
  update(tickers, languages) {
    var parts = [];
    tickers.forEach(function (tk) {
      var texts = tk.texts || {};
      var langs = languages.filter(function (l) { return texts[l]; });
      if (!langs.length && texts.vi) langs = ['vi'];
      langs.forEach(function (l) { parts.push({ text: texts[l], lang: l, fg: tk.fg, bg: tk.bg }); });
    });
    var speed = tickers.length ? (tickers[0].speed_px_s || 80) : 0;
    var signature = JSON.stringify([parts, speed, window.innerWidth, window.innerHeight]);
    if (signature === this.signature) return parts.length > 0;
    this.signature = signature;
    this.stop();
    if (!parts.length) {
      this.root.hidden = true;
      return false;
    }
    this.root.hidden = false;
    this.root.style.background = parts[0].bg || '#000';
    this.build(parts, speed);
    return true;
  }

  makeUnit(parts) {
    var unit = document.createElement('span');
    unit.className = 'unit';
    parts.forEach(function (p) {
      var span = document.createElement('span');
      span.textContent = p.text + SEPARATOR;
      span.lang = p.lang;
      span.style.color = p.fg || '#ffd400';
      unit.appendChild(span);
    });
    return unit;
  }

  build(parts, speed) {
    var first = this.makeUnit(parts);
    this.track.appendChild(first);
    var width = Math.max(1, first.getBoundingClientRect().width);
    var copies = Math.ceil(this.root.clientWidth / width) + 1;
    for (var i = 1; i < copies; i++) this.track.appendChild(first.cloneNode(true));
    var seconds = width / Math.max(10, speed);
    this.animation = this.track.animate(
      [{ transform: 'translate3d(0,0,0)' }, { transform: 'translate3d(' + (-width) + 'px,0,0)' }],
      { duration: seconds * 1000, iterations: Infinity, easing: 'linear' }
    );
  }

  stop() {
    if (this.animation) this.animation.cancel();
    this.animation = null;
    clear(this.track);
  }
}
