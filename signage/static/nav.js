// The grouped menus of the top bar (<details class="navgroup">): the browser opens them with the mouse or
// with Enter/Space on the summary; this keeps one open at a time and closes it on Escape or a click outside.
(function () {
  "use strict";
  var groups = Array.prototype.slice.call(document.querySelectorAll("details.navgroup"));
  function closeAll(except) {
    groups.forEach(function (g) { if (g !== except) { g.open = false; } });
  }
  groups.forEach(function (g) {
    g.addEventListener("toggle", function () { if (g.open) { closeAll(g); } });
  });
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = groups.filter(function (g) { return g.open; })[0];
    if (open) {
      open.open = false;
      open.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest("details.navgroup")) { closeAll(null); }
  });
})();
