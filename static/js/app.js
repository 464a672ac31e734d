// The app shell's only script: CSRF for htmx, the service worker, the install prompt
// and the "update available" banner. No inline script anywhere (CSP script-src 'self').
(function () {
  "use strict";
  var csrf = document.querySelector('meta[name="csrf-token"]');

  document.addEventListener("htmx:configRequest", function (event) {
    if (csrf && event.detail.verb !== "get") event.detail.headers["X-CSRFToken"] = csrf.content;
  });

  // A partial request answered with an error page should show the message, not vanish.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status === 422 || status === 400) { event.detail.shouldSwap = true; event.detail.isError = false; }
  });

  // A boosted link or form that cannot reach the server becomes a real navigation, which the
  // service worker answers from its cache or with the offline page.
  document.addEventListener("htmx:sendError", function (event) {
    var path = event.detail.pathInfo && event.detail.pathInfo.requestPath;
    if (event.detail.boosted && path && event.detail.requestConfig && event.detail.requestConfig.verb === "get") {
      window.location.assign(path);
    }
  });

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function (registration) {
        function offerUpdate(worker) {
          var banner = document.getElementById("update-banner");
          if (!banner) return;
          banner.hidden = false;
          document.getElementById("update-reload").addEventListener("click", function () {
            updateAccepted = true;
            worker.postMessage({ type: "SKIP_WAITING" });
          });
        }
        if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
        registration.addEventListener("updatefound", function () {
          var worker = registration.installing;
          worker.addEventListener("statechange", function () {
            if (worker.state === "installed" && navigator.serviceWorker.controller) offerUpdate(worker);
          });
        });
      });
      // Reload only for an update the user accepted: the first worker also takes control
      // (clients.claim) and a reload then would only interrupt whatever the user was doing.
      var updateAccepted = false, reloading = false;
      navigator.serviceWorker.addEventListener("controllerchange", function () {
        if (updateAccepted && !reloading) { reloading = true; window.location.reload(); }
      });
    });
  }

  var deferredPrompt = null;
  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    deferredPrompt = event;
    var button = document.getElementById("install-button");
    if (button) button.hidden = false;
  });
  document.addEventListener("click", function (event) {
    if (event.target && event.target.id === "install-button" && deferredPrompt) {
      deferredPrompt.prompt();
      deferredPrompt = null;
      event.target.hidden = true;
    }
  });
})();
