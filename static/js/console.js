// The console menu (templates/admin/base.html) is a <details> that a phone shows collapsed; on a wide
// screen it stays open beside the page. Loaded from the body, so a boosted swap runs this again: the
// listeners are added once.
(function () {
  "use strict";
  var wide = window.matchMedia("(min-width: 900px)");
  function sync() {
    var menu = document.getElementById("console-menu");
    if (menu && wide.matches) menu.open = true;
  }
  sync();
  if (window.consoleMenuReady) return;
  window.consoleMenuReady = true;
  document.addEventListener("DOMContentLoaded", sync);
  document.addEventListener("htmx:afterSwap", sync);   // the same task as the swap: before it is painted
  document.addEventListener("htmx:load", sync);
  wide.addEventListener("change", function () {
    var menu = document.getElementById("console-menu");
    if (menu) menu.open = wide.matches;
  });
})();
