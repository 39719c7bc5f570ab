// The live board: the panels again every 2 s while the alert is not over (no innerHTML: parsed, then moved).
(function () {
  var board = document.getElementById('board');
  async function refresh() {
    try {
      var response = await fetch(board.dataset.live, { credentials: 'same-origin', cache: 'no-store' });
      if (response.ok) {
        var doc = new DOMParser().parseFromString(await response.text(), 'text/html');
        board.replaceChildren.apply(board, Array.from(doc.body.childNodes));
      }
    } catch (e) { /* keep the last board; try again */ }
    if (!board.querySelector('[data-final]')) setTimeout(refresh, 2000);
  }
  if (!board.querySelector('[data-final]')) setTimeout(refresh, 2000);
})();
