// The media library's uploader: files (chosen or dropped) are sent two at a time, one request each, with a
// progress bar and the server's answer per file. What went through is added to the grid in place (no reload,
// so a rejected file's message stays beside the others), and tiles whose thumbnail is still being made ask
// tiles.json every few seconds until it is ready.
(function () {
  "use strict";
  var form = document.getElementById("uploader");
  var input = document.getElementById("files");
  var zone = document.getElementById("dropzone");
  var list = document.getElementById("upload-results");
  var grid = document.getElementById("media-list");
  var pending = 0, uploaded = [];
  var NETWORK_ERROR = list.dataset.networkError;
  var POLL_MS = 3000, MAX_POLLS = 100, polls = 0, polling = false;

  function tileFrom(html) {
    var holder = document.createElement("template");
    holder.innerHTML = html;  // our own server's markup, escaped by its templates
    return holder.content.firstElementChild;
  }

  function fetchTiles(ids, then) {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", grid.dataset.tilesUrl + "?ids=" + ids.join(","));
    xhr.setRequestHeader("Accept", "application/json");
    xhr.onload = function () {
      if (xhr.status === 200) { then(JSON.parse(xhr.responseText).tiles); }
    };
    xhr.send();
  }

  function showUploaded(ids) {
    fetchTiles(ids, function (tiles) {
      var empty = document.getElementById("media-empty");
      if (empty && tiles.length) { empty.remove(); }
      tiles.slice().reverse().forEach(function (t) {
        var old = grid.querySelector('[data-media-id="' + t.id + '"]');
        var fresh = tileFrom(t.html);
        if (old) { old.replaceWith(fresh); } else { grid.insertBefore(fresh, grid.firstChild); }
      });
      startPolling();
    });
  }

  function poll() {
    var waiting = Array.prototype.map.call(grid.querySelectorAll('[data-pending="1"]'),
      function (el) { return el.dataset.mediaId; });
    if (!waiting.length || polls >= MAX_POLLS) { polling = false; return; }
    polls += 1;
    fetchTiles(waiting, function (tiles) {
      tiles.forEach(function (t) {
        var old = grid.querySelector('[data-media-id="' + t.id + '"]');
        if (old && t.thumb) { old.replaceWith(tileFrom(t.html)); }
      });
      setTimeout(poll, POLL_MS);
    });
  }

  function startPolling() {
    if (!polling) { polling = true; setTimeout(poll, POLL_MS); }
  }

  function row(name) {
    var li = document.createElement("li");
    var label = document.createElement("span");
    label.textContent = name + " ";
    var bar = document.createElement("progress");
    bar.max = 100; bar.value = 0;
    var msg = document.createElement("span");
    msg.className = "msg";
    li.append(label, bar, " ", msg);
    list.appendChild(li);
    return {li: li, bar: bar, msg: msg};
  }

  var waiting = [], active = 0, PARALLEL = 2;

  function pump() {
    while (active < PARALLEL && waiting.length) { active += 1; send(waiting.shift()); }
  }

  function send(item) {
    var file = item.file, ui = item.ui;
    var data = new FormData();
    data.append("csrf_token", form.elements.csrf_token.value);
    data.append("tags", form.elements.tags.value);
    if (form.elements.region_id) { data.append("region_id", form.elements.region_id.value); }
    data.append("files", file, file.name);
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) { ui.bar.value = Math.round(e.loaded * 100 / e.total); } };
    xhr.onload = function () {
      var result;
      try { result = JSON.parse(xhr.responseText).results[0]; } catch (err) { result = {ok: false, message: xhr.status + " " + xhr.statusText}; }
      ui.bar.value = 100;
      ui.msg.textContent = result.message;
      ui.li.className = result.ok ? "ok" : "error";
      ui.li.dataset.status = result.ok ? "ok" : "rejected";
      if (result.ok && result.id) { uploaded.push(result.id); }
      done();
    };
    xhr.onerror = function () { ui.msg.textContent = NETWORK_ERROR; ui.li.className = "error"; done(); };
    xhr.send(data);
  }

  function done() {
    pending -= 1;
    active -= 1;
    pump();
    if (pending === 0) {
      list.dataset.finished = "1";
      if (uploaded.length) { showUploaded(uploaded.splice(0)); }
    }
  }

  function sendAll(files) {
    list.dataset.finished = "";
    Array.prototype.forEach.call(files, function (file) {
      pending += 1;
      waiting.push({file: file, ui: row(file.name)});
    });
    pump();
  }

  startPolling();
  form.addEventListener("submit", function (e) { e.preventDefault(); if (input.files.length) { sendAll(input.files); input.value = ""; } });
  input.addEventListener("change", function () { if (input.files.length) { sendAll(input.files); input.value = ""; } });
  ["dragenter", "dragover"].forEach(function (t) { zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.add("over"); }); });
  ["dragleave", "drop"].forEach(function (t) { zone.addEventListener(t, function (e) { e.preventDefault(); zone.classList.remove("over"); }); });
  zone.addEventListener("drop", function (e) { if (e.dataTransfer && e.dataTransfer.files.length) { sendAll(e.dataTransfer.files); } });
})();
