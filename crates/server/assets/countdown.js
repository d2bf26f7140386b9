// Counts the seconds down on the paid page. The redirect itself is a meta
// refresh in the page's head, so it happens with scripts off too.
document.addEventListener("DOMContentLoaded", function () {
  var counter = document.getElementById("countdown");
  if (!counter) { return; }
  var left = parseInt(counter.textContent, 10);
  var timer = setInterval(function () {
    left = Math.max(0, left - 1);
    counter.textContent = String(left);
    if (left === 0) { clearInterval(timer); }
  }, 1000);
});
