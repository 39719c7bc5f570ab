// Two stacked layers, each with one <img> and one <video> that are reused for every item (no DOM growth).
// The next item is loaded and decoded in the hidden layer, then faded in above the visible one; the old
// layer is hidden only after the fade, so there is never a black frame between items.

function waitVideo(video) {
  return new Promise(function (resolve, reject) {
    function cleanup() {
      video.removeEventListener('canplay', ok);
      video.removeEventListener('error', fail);
    }
    function ok() { cleanup(); resolve(); }
    function fail() { cleanup(); reject(new Error('video failed to load')); }
    if (video.readyState >= 3) { resolve(); return; }
    video.addEventListener('canplay', ok);
    video.addEventListener('error', fail);
  });
}

export class Stage {
  constructor(root) {
    this.root = root;
    this.layers = Array.prototype.map.call(root.querySelectorAll('.layer'), function (el) {
      return { el: el, img: el.querySelector('img'), video: el.querySelector('video'), key: null, kind: null };
    });
    this.front = null;
    this.fadeDone = Promise.resolve();
    this.videoHeld = false;  // an emergency alert covers the stage: no video plays unseen beneath it
  }

  back() {
    return this.layers[0] === this.front ? this.layers[1] : this.layers[0];
  }

  // Load `slot` into the hidden layer; resolves when it can be shown without a visible load.
  prepare(slot) {
    if (this.pending && this.pending.key === slot.key) return this.pending.promise;
    var self = this;
    var promise = this.load(slot);
    this.pending = { key: slot.key, promise: promise };
    promise.then(function () { if (self.pending && self.pending.promise === promise) self.pending = null; },
      function () { if (self.pending && self.pending.promise === promise) self.pending = null; });
    return promise;
  }

  async load(slot) {
    await this.fadeDone;
    var layer = this.back();
    if (layer.key === slot.key && layer.ready) return layer;
    this.resetLayer(layer);
    layer.key = slot.key;
    layer.ready = false;
    layer.kind = slot.item.kind === 'video' ? 'video' : 'image';
    try {
      if (layer.kind === 'video') {
        layer.video.src = slot.asset.url;
        layer.video.load();
        await waitVideo(layer.video);
      } else {
        layer.img.src = slot.asset.url;
        await layer.img.decode();
      }
    } catch (err) {
      // A newer prepare() took the layer over: that is not the asset's fault.
      if (layer.key !== slot.key) throw new Error('superseded');
      throw err;
    }
    if (layer.key !== slot.key) throw new Error('superseded');
    layer.ready = true;
    return layer;
  }

  // Fade the prepared layer in over `fadeMs`, then retire the previous one.
  show(slot, fadeMs) {
    var layer = this.back();
    if (layer.key !== slot.key || !layer.ready) throw new Error('slot not prepared');
    var old = this.front;
    var self = this;
    layer.img.style.display = layer.kind === 'image' ? '' : 'none';
    layer.video.style.display = layer.kind === 'video' ? '' : 'none';
    layer.el.style.transition = 'none';
    layer.el.style.opacity = '0';
    layer.el.style.zIndex = '2';
    if (old) old.el.style.zIndex = '1';
    // Force the start state before animating (one style read; the layer is composited).
    void layer.el.offsetWidth;
    layer.el.style.transition = 'opacity ' + fadeMs + 'ms ease-in-out';
    layer.el.style.opacity = '1';
    if (layer.kind === 'video') {
      layer.video.currentTime = 0;
      if (!this.videoHeld) {
        var played = layer.video.play();
        if (played && played.catch) played.catch(function () {});
      }
    }
    this.front = layer;
    this.fadeDone = new Promise(function (resolve) {
      setTimeout(function () { if (old) self.retire(old); resolve(); }, fadeMs + Math.min(50, fadeMs));
    });
    return layer;
  }

  retire(layer) {
    if (layer === this.front) return;
    layer.el.style.transition = 'none';
    layer.el.style.opacity = '0';
    layer.el.style.zIndex = '0';
    if (layer.kind === 'video') layer.video.pause();
  }

  // Release what a hidden layer holds (video decoders, image bitmaps) before it is reused.
  resetLayer(layer) {
    layer.el.style.transition = 'none';
    layer.el.style.opacity = '0';
    layer.el.style.zIndex = '0';
    if (layer.kind === 'video' || layer.video.getAttribute('src')) {
      layer.video.pause();
      layer.video.removeAttribute('src');
      layer.video.load();
    }
    layer.key = null;
    layer.ready = false;
  }

  pauseVideo(paused) {
    this.videoHeld = paused;
    if (!this.front || this.front.kind !== 'video') return;
    if (paused) this.front.video.pause();
    else {
      var p = this.front.video.play();
      if (p && p.catch) p.catch(function () {});
    }
  }

  blank() {
    var self = this;
    this.layers.forEach(function (l) { self.resetLayer(l); l.img.removeAttribute('src'); });
    this.front = null;
  }

  currentKey() {
    return this.front ? this.front.key : null;
  }
}
