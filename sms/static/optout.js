// The one-tap opt-out: a browser submits the form at once (the tap on the link is the consent); link previews
// run no script.
document.getElementById('optout').submit();
