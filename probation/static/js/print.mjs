// "Print this page" (GOV.UK pattern): the button is shown only when JavaScript can print,
// and the text hint beside it is hidden; without JavaScript the hint stays. A file rather
// than an inline onclick, because the Content Security Policy allows this site's scripts only.
for (const button of document.querySelectorAll("[data-app-print]")) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}
for (const hint of document.querySelectorAll("[data-app-print-hint]")) {
  hint.hidden = true;
}
