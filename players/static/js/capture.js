// Captures: what is on the glass, composited from the player's own layers onto a canvas — the front
// image or the current video frame (with its object-fit), the running text at its current position, the
// alert, the identify and blank overlays and the idle clock, in the screen's rotation — as a small JPEG.
// A screenshot API is not available to a page; this draws what the page shows from the same elements.

var MAX_WIDTH = 640;
var QUALITY = 0.72;

function visible(el) {
  return !!el && !el.hidden && getComputedStyle(el).display !== 'none' && getComputedStyle(el).visibility !== 'hidden';
}

// Draw an image or video frame into (x, y, w, h) the way CSS object-fit does.
function drawFitted(ctx, source, naturalW, naturalH, fit, x, y, w, h) {
  if (!naturalW || !naturalH) return;
  if (fit === 'fill') { ctx.drawImage(source, x, y, w, h); return; }
  var scale = fit === 'contain' || fit === 'scale-down'
    ? Math.min(w / naturalW, h / naturalH) : Math.max(w / naturalW, h / naturalH);
  if (fit === 'none') scale = 1;
  var dw = naturalW * scale;
  var dh = naturalH * scale;
  ctx.save();
  ctx.beginPath();
  ctx.rect(x, y, w, h);
  ctx.clip();
  ctx.drawImage(source, x + (w - dw) / 2, y + (h - dh) / 2, dw, dh);
  ctx.restore();
}

// The element's box as drawn now (transforms and animations included) in #screen coordinates: the
// viewport rectangle mapped back through the screen's rotation (see player.css: html.rotate-90/270).
function box(el) {
  var r = el.getBoundingClientRect();
  var html = document.documentElement;
  if (html.classList.contains('rotate-90')) {  // (x, y) is drawn at (innerWidth - y, x)
    return { x: r.top, y: innerWidth - r.right, w: r.height, h: r.width };
  }
  if (html.classList.contains('rotate-270')) {  // (x, y) is drawn at (y, innerHeight - x)
    return { x: innerHeight - r.bottom, y: r.left, w: r.height, h: r.width };
  }
  return { x: r.left, y: r.top, w: r.width, h: r.height };
}

function font(el) {
  var s = getComputedStyle(el);
  return s.fontStyle + ' ' + s.fontWeight + ' ' + s.fontSize + ' ' + s.fontFamily;
}

function fillBox(ctx, el, b) {
  var bg = getComputedStyle(el).backgroundColor;
  var image = getComputedStyle(el).backgroundImage;
  if (image && image !== 'none' && !bg.match(/rgba\(.*, 0\)$/)) {
    ctx.fillStyle = bg;
  } else if (image && image !== 'none') {
    ctx.fillStyle = '#0b2740';  // a gradient background: its first colour stands in
  } else {
    ctx.fillStyle = bg;
  }
  ctx.fillRect(b.x, b.y, b.w, b.h);
}

// Text wrapped to a width, centred vertically in its box (alert bodies, the idle clock, identify).
function drawWrapped(ctx, el, root, align) {
  var b = box(el);
  var text = el.textContent || '';
  if (!text) return;
  ctx.font = font(el);
  ctx.fillStyle = getComputedStyle(el).color;
  ctx.textBaseline = 'top';
  var size = parseFloat(getComputedStyle(el).fontSize) || 16;
  var lines = [];
  var line = '';
  text.split(/\s+/).forEach(function (word) {
    var next = line ? line + ' ' + word : word;
    if (ctx.measureText(next).width > b.w && line) { lines.push(line); line = word; } else line = next;
  });
  if (line) lines.push(line);
  var lineH = size * 1.18;
  var top = b.y + Math.max(0, (b.h - lines.length * lineH) / 2);
  lines.forEach(function (l, i) {
    var w = ctx.measureText(l).width;
    var x = align === 'center' ? b.x + (b.w - w) / 2 : b.x;
    ctx.fillText(l, x, top + i * lineH);
  });
}

// Each text run at the place the crawl has moved it to now (the animation is in its bounding box).
function drawRuns(ctx, spans, b, colour) {
  ctx.save();
  ctx.beginPath();
  ctx.rect(b.x, b.y, b.w, b.h);
  ctx.clip();
  ctx.textBaseline = 'middle';
  Array.prototype.forEach.call(spans, function (span) {
    var r = box(span);
    if (r.x > b.x + b.w || r.x + r.w < b.x) return;
    ctx.font = font(span);
    ctx.fillStyle = colour || getComputedStyle(span).color;
    ctx.fillText(span.textContent, r.x, b.y + b.h / 2);
  });
  ctx.restore();
}

function drawTicker(ctx, tickerEl) {
  var b = box(tickerEl);
  fillBox(ctx, tickerEl, b);
  drawRuns(ctx, tickerEl.querySelectorAll('.track .unit > span'), b);
}

// A short label centred in its box (the alert's icon, its language marks).
function drawLabel(ctx, el, b) {
  ctx.font = font(el);
  ctx.fillStyle = getComputedStyle(el).color;
  ctx.globalAlpha = parseFloat(getComputedStyle(el).opacity) || 1;
  ctx.textBaseline = 'middle';
  var w = ctx.measureText(el.textContent).width;
  ctx.fillText(el.textContent, b.x + (b.w - w) / 2, b.y + b.h / 2);
  ctx.globalAlpha = 1;
}

function drawAlert(ctx, alertEl, root) {
  var b = box(alertEl);
  fillBox(ctx, alertEl, b);
  if (alertEl.classList.contains('strip')) {
    drawRuns(ctx, alertEl.querySelectorAll('.alert-crawl .track b, .alert-crawl .track span > span'), b);
    return;
  }
  var head = alertEl.querySelector('.alert-head');
  var title = alertEl.querySelector('.alert-title');
  var hb = box(head);
  ctx.fillStyle = getComputedStyle(head).borderBottomColor;
  ctx.fillRect(hb.x, hb.y + hb.h - (parseFloat(getComputedStyle(head).borderBottomWidth) || 0), hb.w,
    parseFloat(getComputedStyle(head).borderBottomWidth) || 0);
  var tb = box(title);
  ctx.font = font(title);
  ctx.fillStyle = getComputedStyle(title).color;
  ctx.textBaseline = 'top';
  ctx.fillText(title.textContent, tb.x, tb.y);
  drawWrapped(ctx, alertEl.querySelector('.alert-body'), root, 'left');
  var icon = alertEl.querySelector('.alert-icon');
  var ib = box(icon);
  ctx.fillStyle = getComputedStyle(icon).backgroundColor;
  ctx.beginPath();
  ctx.arc(ib.x + ib.w / 2, ib.y + ib.h / 2, Math.min(ib.w, ib.h) / 2, 0, 2 * Math.PI);
  ctx.fill();
  drawLabel(ctx, icon, ib);
  Array.prototype.forEach.call(alertEl.querySelectorAll('.alert-langs span'), function (span) {
    var sb = box(span);
    var bg = getComputedStyle(span).backgroundColor;
    if (bg && !/rgba\(.*, 0\)$/.test(bg)) { ctx.fillStyle = bg; ctx.fillRect(sb.x, sb.y, sb.w, sb.h); }
    drawLabel(ctx, span, sb);
  });
}

function drawOverlay(ctx, el, root) {
  var b = box(el);
  fillBox(ctx, el, b);
  Array.prototype.forEach.call(el.children, function (child) {
    if (visible(child)) drawWrapped(ctx, child, root, 'center');
  });
}

// stage: the Stage (its front layer); returns a canvas of the glass, at most MAX_WIDTH wide.
export function composite(stage) {
  var root = document.getElementById('screen');
  var sw = root.offsetWidth;
  var sh = root.offsetHeight;
  var rotated = document.documentElement.classList.contains('rotate-90') ? 90
    : document.documentElement.classList.contains('rotate-270') ? 270 : 0;
  var glassW = rotated ? sh : sw;
  var glassH = rotated ? sw : sh;
  var scale = Math.min(1, MAX_WIDTH / glassW);
  var canvas = document.createElement('canvas');
  canvas.width = Math.max(1, Math.round(glassW * scale));
  canvas.height = Math.max(1, Math.round(glassH * scale));
  var ctx = canvas.getContext('2d');
  ctx.fillStyle = '#000';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.scale(scale, scale);
  if (rotated === 90) { ctx.translate(glassW, 0); ctx.rotate(Math.PI / 2); }
  if (rotated === 270) { ctx.translate(0, glassH); ctx.rotate(-Math.PI / 2); }

  var front = stage.front;
  if (front) {
    var el = front.kind === 'video' ? front.video : front.img;
    var natW = front.kind === 'video' ? el.videoWidth : el.naturalWidth;
    var natH = front.kind === 'video' ? el.videoHeight : el.naturalHeight;
    var b = box(front.el);
    try {
      drawFitted(ctx, el, natW, natH, getComputedStyle(el).objectFit || 'cover', b.x, b.y, b.w, b.h);
    } catch (e) { /* a frame not decodable right now: the stage stays black in the capture */ }
  }
  var idle = document.getElementById('idle');
  if (visible(idle)) drawOverlay(ctx, idle, root);
  var ticker = document.getElementById('ticker');
  if (visible(ticker)) drawTicker(ctx, ticker);
  var blank = document.getElementById('blankout');
  if (visible(blank)) drawOverlay(ctx, blank, root);
  var alert = document.getElementById('alert');
  if (visible(alert)) drawAlert(ctx, alert, root);
  var identify = document.getElementById('identify');
  if (visible(identify)) drawOverlay(ctx, identify, root);
  return canvas;
}

// A JPEG of the glass as base64 (no data: prefix), with its size.
export function jpeg(stage) {
  var canvas = composite(stage);
  var url = canvas.toDataURL('image/jpeg', QUALITY);
  return { base64: url.slice(url.indexOf(',') + 1), width: canvas.width, height: canvas.height };
}
