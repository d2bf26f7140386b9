// Sends the payer on to the provider without a click. Without scripts, the
// visible button on the page does the same.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.getElementById("handoff");
  if (form) { form.submit(); }
});
