// Two stacked layers, each with one <img> and one <video> that are reused for every item (no DOM growth).
// The next item is loaded and decoded in the hidden layer, then faded in above the visible one; the old
// layer is hidden only after the fade, so there is never a black frame between items.
//
// A picture of another shape than the stage is fitted by the item's `fit` (scheduling.models.Fit): 'cover'
// fills and crops, 'contain' shows it whole over a blurred still of itself, 'pillarbox' whole between black
// bars; none (automatic) is cover when the shapes are within SHAPE_TOLERANCE and contain when they are not
// (scheduling/shapes.py uses the same number to warn the operator).

export var SHAPE_TOLERANCE = 0.15;
var FITS = ['cover', 'contain', 'pillarbox'];

export function fitFor(fit, picture, stage) {
  if (FITS.indexOf(fit) >= 0) return fit;
  if (!picture.w || !picture.h || !stage.w || !stage.h) return 'cover';
  var a = picture.w / picture.h;
  var b = stage.w / stage.h;
  return Math.min(a, b) / Math.max(a, b) < 1 / (1 + SHAPE_TOLERANCE) ? 'contain' : 'cover';
}

// A small, blurred, darkened still of the picture covering the layer: the background of 'contain'.
function paintBackdrop(canvas, source, picture, stage) {
  var width = 48;
  var height = Math.max(1, Math.round(width * stage.h / stage.w));
  canvas.width = width;
  canvas.height = height;
  var scale = Math.max(width / picture.w, height / picture.h);
  var ctx = canvas.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, width, height);
  try {
    ctx.drawImage(source, (width - picture.w * scale) / 2, (height - picture.h * scale) / 2,
      picture.w * scale, picture.h * scale);
  } catch (err) { /* no frame yet: the black stays */ }
}

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
      var backdrop = document.createElement('canvas');
      backdrop.setAttribute('aria-hidden', 'true');
      backdrop.className = 'backdrop';
      var s = backdrop.style;
      s.position = 'absolute'; s.top = '0'; s.left = '0'; s.width = '100%'; s.height = '100%';
      s.filter = 'blur(2vmin) brightness(0.55)'; s.transform = 'scale(1.08)'; s.display = 'none';
      el.insertBefore(backdrop, el.firstChild);
      return { el: el, img: el.querySelector('img'), video: el.querySelector('video'), backdrop: backdrop,
        key: null, kind: null, fit: null };
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
    this.applyFit(layer, slot.item.fit);
    layer.ready = true;
    return layer;
  }

  // Fit the loaded picture to the stage (see fitFor); the layer's data-fit says which fit was taken.
  applyFit(layer, fit) {
    var media = layer.kind === 'video' ? layer.video : layer.img;
    var picture = layer.kind === 'video' ? { w: media.videoWidth, h: media.videoHeight }
      : { w: media.naturalWidth, h: media.naturalHeight };
    var stage = { w: this.root.clientWidth, h: this.root.clientHeight };
    layer.fit = fitFor(fit, picture, stage);
    layer.el.dataset.fit = layer.fit;
    media.style.objectFit = layer.fit === 'cover' ? 'cover' : 'contain';
    media.style.background = layer.fit === 'contain' ? 'transparent' : '#000';
    if (layer.fit === 'contain') paintBackdrop(layer.backdrop, media, picture, stage);
    layer.backdrop.style.display = layer.fit === 'contain' ? '' : 'none';
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
