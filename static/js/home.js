// 홈 offline: the service worker answers / from the copy it kept (pages-v1) when there is no network. The page
// then says so, with the time it was made (the hidden banner the server wrote), as the board's saved copy does.
(function () {
  "use strict";
  function show() {
    var banner = document.getElementById("home-saved-copy");
    if (banner) banner.hidden = navigator.onLine;
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", show);
  else show();
  window.addEventListener("online", show);
  window.addEventListener("offline", show);
  document.addEventListener("htmx:afterSettle", show);
})();
