// Sends the payer back to the e-service with the bank's signed answer as soon
// as the page has loaded. It is an external file because the pages' CSP allows
// no inline scripts; without scripts, the form's visible button does the same.
// Loaded with `defer`, so the document is parsed when this runs.
(function () {
  "use strict";
  var form = document.querySelector("form[data-autosubmit]");
  if (form) {
    form.submit();
  }
})();
