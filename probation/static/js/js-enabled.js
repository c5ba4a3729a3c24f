// Marks the page as JavaScript-enabled before it renders (GOV.UK Frontend template),
// from a file rather than an inline script so the Content Security Policy needs no
// 'unsafe-inline'.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
