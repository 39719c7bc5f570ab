// Asks before a form does something hard to undo (retire, unpair, delete, cancel). The question is the
// data-confirm attribute of the button that submits the form, else of the form itself; no inline script,
// so the pages keep a strict Content-Security-Policy.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var button = event.submitter;
    var question = (button && button.getAttribute("data-confirm")) || event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
})();
