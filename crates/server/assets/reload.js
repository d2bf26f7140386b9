// While a payment is open at a provider, look again every 5 seconds so the
// payer sees the outcome without clicking; not while the tab is hidden.
setTimeout(function reload() {
  if (document.visibilityState === "hidden") { setTimeout(reload, 5000); return; }
  window.location.reload();
}, 5000);
