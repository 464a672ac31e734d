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

  // Boosted navigation swaps only the <body>, so stylesheets and scripts that a page declares in
  // its {% block head %} would never load. Copy the ones not yet present into the live <head>:
  // stylesheets before the swap (no flash of unstyled content), scripts after it (they look for
  // the new page's elements when they run).
  var pendingScripts = [];
  function missing(tag, attr, url) {
    return !Array.prototype.some.call(document.head.querySelectorAll(tag + "[" + attr + "]"), function (node) {
      return node.getAttribute(attr) === url;
    });
  }
  document.addEventListener("htmx:beforeSwap", function (event) {
    if (!event.detail.boosted || !event.detail.serverResponse || event.detail.shouldSwap === false) return;
    var head = new DOMParser().parseFromString(event.detail.serverResponse, "text/html").head;
    head.querySelectorAll('link[rel="stylesheet"][href]').forEach(function (node) {
      var url = node.getAttribute("href");
      if (!missing("link", "href", url)) return;
      var link = document.createElement("link");
      link.rel = "stylesheet";
      link.href = url;
      document.head.appendChild(link);
    });
    head.querySelectorAll("script[src]").forEach(function (node) {
      var url = node.getAttribute("src");
      if (missing("script", "src", url)) pendingScripts.push(url);
    });
  });
  document.addEventListener("htmx:afterSwap", function () {
    pendingScripts.splice(0).forEach(function (url) {
      var script = document.createElement("script");
      script.src = url;
      script.async = false;  // keep the page's order, as defer would
      document.head.appendChild(script);
    });
  });

  // The language a boosted answer is in (Content-Language): boosted navigation swaps only the body,
  // so <html lang> is set here, and the service worker is told, so that it keeps the offline page in
  // the language in use (a full page load tells it by itself).
  document.addEventListener("htmx:afterRequest", function (event) {
    var lang = event.detail.boosted && event.detail.successful && event.detail.xhr &&
      event.detail.xhr.getResponseHeader("Content-Language");
    if (!lang || lang === document.documentElement.lang) return;
    document.documentElement.lang = lang;
    var worker = navigator.serviceWorker && navigator.serviceWorker.controller;
    if (worker) worker.postMessage({ type: "LANGUAGE", lang: lang });
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
