// The import status page asks for the job's state every second while it is not over (the server says so in
// `over`: finished or failed), shows the translated state, and reloads once at the end to show the result or the
// reason of the failure. A failed fetch is retried more slowly; polling never outlives the job.
(function () {
  var box = document.getElementById("import");
  var url = box && box.dataset.statusUrl;
  if (!url) { return; }
  function poll(delay) {
    setTimeout(function () {
      fetch(url, { headers: { Accept: "application/json" } }).then(function (r) { return r.json(); }).then(function (d) {
        var bar = document.getElementById("progress");
        bar.max = d.total || 1; bar.value = d.done;
        document.getElementById("status").textContent = d.label;
        box.dataset.state = d.state;
        if (d.over) { location.reload(); } else { poll(1000); }
      }).catch(function () { poll(5000); });
    }, delay);
  }
  poll(1000);
})();
