// The slide composer's live preview: the form is posted to the preview URL (data-preview-url) 300 ms after
// the last change; only the newest answer is shown.
(function () {
  "use strict";
  var form = document.getElementById("slide-form");
  var img = document.getElementById("preview-image");
  var size = document.getElementById("preview_size");
  var lang = document.getElementById("preview_lang");
  var url = form.dataset.previewUrl;
  var timer = null, seq = 0, lastUrl = null;
  function refresh() {
    var data = new FormData(form);
    data.append("preview_size", size.value);
    data.append("preview_lang", lang.value);
    var mine = ++seq;
    fetch(url, {method: "POST", body: data, credentials: "same-origin"}).then(function (r) {
      if (!r.ok) { throw new Error(r.status); }
      return r.blob();
    }).then(function (blob) {
      if (mine !== seq) { return; }
      if (lastUrl) { URL.revokeObjectURL(lastUrl); }
      lastUrl = URL.createObjectURL(blob);
      img.src = lastUrl;
      img.dataset.size = size.value;
      img.dataset.lang = lang.value;
    }).catch(function () {});
  }
  function later() { clearTimeout(timer); timer = setTimeout(refresh, 300); }
  form.addEventListener("input", later);
  form.addEventListener("change", later);
  size.addEventListener("change", refresh);
  lang.addEventListener("change", refresh);
  refresh();
})();
