// The import status page asks for the job's progress every second and reloads when the job is over.
setTimeout(function poll() {
  fetch(document.getElementById("progress").dataset.statusUrl).then(r => r.json()).then(d => {
    const bar = document.getElementById("progress");
    bar.max = d.total || 1; bar.value = d.done; document.getElementById("status").textContent = d.status;
    if (d.status === "finished" || d.status === "failed") { location.reload(); } else { setTimeout(poll, 1000); }
  });
}, 1000);
