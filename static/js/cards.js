// 내 명함: full-screen QR (Fullscreen API; where it is missing, as on iPhone, the link's own page is the
// fallback) and sharing (navigator.share, else copying the link). Loaded again on htmx swaps: handlers are
// attached once, on the document.
(function () {
  "use strict";
  if (window.cardsJsLoaded) return;
  window.cardsJsLoaded = true;
  var wakeLock = null;

  function panel() { return document.getElementById("bcard-qr-panel"); }

  function closePanel() {
    var p = panel();
    if (p) p.hidden = true;
    if (wakeLock) { wakeLock.release().catch(function () {}); wakeLock = null; }
    var opener = document.getElementById("bcard-fullscreen");
    if (opener) opener.focus();
  }

  function openPanel(event) {
    var p = panel();
    if (!p || !p.requestFullscreen) return;     // no API: follow the link to the no-script page
    event.preventDefault();
    p.hidden = false;
    var close = document.getElementById("bcard-qr-close");
    if (close) close.focus();
    p.requestFullscreen().then(function () {
      // Keep the screen on while someone scans; not everywhere, and not needed.
      if (navigator.wakeLock) navigator.wakeLock.request("screen").then(function (l) { wakeLock = l; }, function () {});
    }, function () {
      p.hidden = true;
      window.location.href = event.target.closest("a").href;
    });
  }

  function status(text) {
    var s = document.getElementById("bcard-share-status");
    if (s) s.textContent = text;
  }

  function share(button) {
    var url = button.getAttribute("data-url");
    if (navigator.share) {
      navigator.share({ title: button.getAttribute("data-title"), url: url }).catch(function () {});
      return;
    }
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(url).then(function () { status(button.getAttribute("data-copied")); },
        function () { selectLink(); });
      return;
    }
    selectLink();
  }

  function selectLink() {
    var input = document.getElementById("bcard-link");
    if (input) { input.focus(); input.select(); }
  }

  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target.closest("#bcard-fullscreen")) openPanel(event);
    else if (target.closest("#bcard-qr-close")) {
      if (document.fullscreenElement) document.exitFullscreen().catch(function () {});
      else closePanel();
    } else if (target.closest("#bcard-share")) share(target.closest("#bcard-share"));
  });

  document.addEventListener("fullscreenchange", function () {
    if (!document.fullscreenElement) closePanel();
  });

  function showShare() {
    var button = document.getElementById("bcard-share");
    if (button) button.hidden = false;   // without script the link field below is the way to share
  }
  document.addEventListener("DOMContentLoaded", showShare);
  document.addEventListener("htmx:afterSettle", showShare);
  showShare();
})();
