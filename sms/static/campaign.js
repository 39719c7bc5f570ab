// A campaign's page: while the campaign is sending, the progress bar and its counts follow the server every
// 3 seconds until the campaign stops. Texts go in as textContent. (The confirmations of its forms are the
// data-confirm questions that signage/static/confirm.js asks on every page.)
(function () {
  var box = document.getElementById("progress");
  if (!box || !box.dataset.running) { return; }
  function update(d) {
    var total = d.total || 1;
    Array.prototype.forEach.call(box.querySelectorAll("[data-group]"), function (span) {
      span.style.width = (100 * (d[span.dataset.group] || 0) / total).toFixed(2) + "%";
    });
    Array.prototype.forEach.call(box.querySelectorAll("[data-count]"), function (strong) {
      strong.textContent = d[strong.dataset.count] || 0;
    });
    var bar = box.querySelector("[role=progressbar]");
    bar.setAttribute("aria-valuemax", d.total); bar.setAttribute("aria-valuenow", d.handled);
    document.getElementById("progress-summary").textContent = d.summary;
    var status = document.getElementById("campaign-status");
    if (status) { status.textContent = d.status_label; }
  }
  function poll() {
    fetch(box.dataset.url, { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); })
      .then(function (d) { update(d); if (d.running) { setTimeout(poll, 3000); } })
      .catch(function () { setTimeout(poll, 10000); });
  }
  setTimeout(poll, 3000);
})();
