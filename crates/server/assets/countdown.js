// The paid page's countdown to ReturnRedirectUrl. The payer can stop it
// (WCAG 2.2.1, timing adjustable). Without scripts, a meta refresh in a
// <noscript> does the redirect instead.
document.addEventListener("DOMContentLoaded", function () {
  var box = document.getElementById("countdown-box");
  var counter = document.getElementById("countdown");
  var stop = document.getElementById("stop-countdown");
  if (!box || !counter) { return; }
  var target = box.getAttribute("data-url");
  var left = parseInt(box.getAttribute("data-countdown"), 10);
  if (stop) { stop.hidden = false; }
  var timer = setInterval(function () {
    left = Math.max(0, left - 1);
    counter.textContent = String(left);
    if (left === 0) {
      clearInterval(timer);
      window.location.assign(target);
    }
  }, 1000);
  if (stop) {
    stop.addEventListener("click", function () {
      clearInterval(timer);
      box.hidden = true;
      stop.hidden = true;
    });
  }
});
