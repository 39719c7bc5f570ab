// The fleet page asks for the screens' state every data-poll-ms (15 s unless ?every=N) and updates the table
// in place (no reload, no markup from the server: text and attributes only, so a strict CSP holds).
(function () {
  "use strict";
  var table = document.getElementById("fleet");
  if (!table) { return; }
  var PERIOD_MS = Number(table.dataset.pollMs) || 15000;

  function cell(row, name) { return row.querySelector("." + name); }

  function update(tr, r, labels) {
    tr.className = r.state;
    var badge = tr.querySelector(".badge.state");
    badge.textContent = labels[r.state];
    badge.className = "badge state" + (r.state === "online" ? " ok" : r.state === "offline" ? " danger" : "");
    cell(tr, "last-seen").textContent = r.last_seen || labels.never;
    cell(tr, "version").textContent = r.version;
    var thumb = cell(tr, "thumb"), img = thumb.querySelector("img");
    if (r.thumbnail) {
      if (!img) { img = document.createElement("img"); img.width = 96; thumb.insertBefore(img, thumb.firstChild); }
      if (img.getAttribute("src") !== r.thumbnail) { img.setAttribute("src", r.thumbnail); }
      img.alt = r.playing;
    } else if (img) { img.remove(); }
    thumb.querySelector(".thumb-kind").textContent = r.thumbnail_kind ? labels[r.thumbnail_kind] : "";
    var box = cell(tr, "incidents");
    while (box.firstChild) { box.removeChild(box.firstChild); }
    r.incidents.forEach(function (i) {
      var a = document.createElement("a");
      a.className = "badge danger"; a.href = i.url; a.textContent = i.label;
      box.appendChild(a); box.appendChild(document.createTextNode(" "));
    });
  }

  function poll() {
    fetch(table.dataset.stateUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        data.rows.forEach(function (r) {
          var tr = table.querySelector('tr[data-screen-id="' + r.id + '"]');
          if (tr) { update(tr, r, data.labels); }
        });
        document.getElementById("fleet-updated").textContent = data.updated;
        table.dataset.updated = data.at;
      })
      .catch(function () { /* the next poll tries again */ })
      .then(function () { setTimeout(poll, PERIOD_MS); });
  }

  setTimeout(poll, PERIOD_MS);
}());
