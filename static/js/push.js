// Push notifications for signed-in staff: the 더보기 page's switch (templates/pwa/_push_settings.html) and the
// re-sync of this browser's subscription on every launch. iOS has no pushsubscriptionchange event, so the app
// tells the server what it holds each time it starts; the server moves the endpoint to whoever is signed in and
// takes its current keys. Permission is only ever asked from the switch (a user gesture).
(function () {
  "use strict";
  var API = "/api/push/subscriptions";
  var KEY_URL = "/api/push/key";
  var WANTED = "push-wanted";        // localStorage: the person turned push on here
  var SYNCED = "push-synced";        // sessionStorage: re-synced during this launch

  function supported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function isIos() {
    return /iPhone|iPad|iPod/.test(navigator.userAgent) ||
      (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }

  function standalone() {
    return navigator.standalone === true || window.matchMedia("(display-mode: standalone)").matches;
  }

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.content : "";
  }

  function send(method, body) {
    return fetch(API, {
      method: method, credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(body)
    }).then(function (response) {
      if (!response.ok) throw new Error("push API answered " + response.status);
      return response.json();
    });
  }

  function keyBytes(base64url) {
    var text = (base64url + "===".slice((base64url.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(text);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function sameKey(subscription, key) {
    var held = subscription.options && subscription.options.applicationServerKey;
    if (!held) return true;  // older browsers do not say; the server re-syncs what they hold
    var a = new Uint8Array(held);
    if (a.length !== key.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== key[i]) return false;
    return true;
  }

  function serverKey() {
    return fetch(KEY_URL, { credentials: "same-origin" }).then(function (response) {
      if (!response.ok) throw new Error("no push key");
      return response.json();
    }).then(function (body) { return keyBytes(body.publicKey); });
  }

  // The subscription this browser should hold: the current one if made with the server's key, else a new one.
  function subscribe(registration) {
    return serverKey().then(function (key) {
      return registration.pushManager.getSubscription().then(function (current) {
        if (current && sameKey(current, key)) return current;
        var dropped = current ? current.unsubscribe() : Promise.resolve();
        return dropped.then(function () {
          return registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key });
        });
      });
    }).then(function (subscription) {
      return send("POST", subscription.toJSON()).then(function () { return subscription; });
    });
  }

  function unsubscribe(registration) {
    return registration.pushManager.getSubscription().then(function (current) {
      if (!current) return null;
      return send("DELETE", { endpoint: current.endpoint }).catch(function () { /* gone server-side anyway */ })
        .then(function () { return current.unsubscribe(); });
    });
  }

  // On every launch: tell the server what this browser holds (or subscribe again if push was on here and the
  // browser dropped it; permission is already granted, so no prompt).
  function resync() {
    if (!supported() || Notification.permission !== "granted" || sessionStorage.getItem(SYNCED)) return;
    sessionStorage.setItem(SYNCED, "1");
    navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription().then(function (current) {
        if (current || localStorage.getItem(WANTED) === "1") return subscribe(registration);
      });
    }).catch(function () { sessionStorage.removeItem(SYNCED); });
  }

  // --- the switch --------------------------------------------------------------------------------------------
  function show(section, state) {
    section.querySelectorAll("[data-push-state]").forEach(function (node) {
      node.hidden = node.getAttribute("data-push-state") !== state;
    });
    var toggle = section.querySelector("#push-toggle");
    var label = toggle.querySelector(".push-switch-state");
    var on = state === "on";
    toggle.setAttribute("aria-checked", on ? "true" : "false");
    toggle.disabled = !(state === "on" || state === "off" || state === "error");
    label.textContent = label.getAttribute(on ? "data-on" : "data-off");
    section.setAttribute("data-state", state);
  }

  function current(section) {
    if (!supported()) return Promise.resolve(isIos() && !standalone() ? "ios" : "unsupported");
    if (Notification.permission === "denied") return Promise.resolve("blocked");
    return navigator.serviceWorker.ready.then(function (registration) {
      return registration.pushManager.getSubscription();
    }).then(function (subscription) {
      return subscription && Notification.permission === "granted" ? "on" : "off";
    });
  }

  function bind(section) {
    if (!section || section.getAttribute("data-bound")) return;
    section.setAttribute("data-bound", "1");
    var toggle = section.querySelector("#push-toggle");
    current(section).then(function (state) { show(section, state); }, function () { show(section, "error"); });
    toggle.addEventListener("click", function () {
      var turningOn = toggle.getAttribute("aria-checked") !== "true";
      toggle.disabled = true;
      var work = turningOn
        // Asked here, in the click: browsers allow the prompt only from a user gesture.
        ? Notification.requestPermission().then(function (permission) {
          if (permission !== "granted") return permission === "denied" ? "blocked" : "off";
          return navigator.serviceWorker.ready.then(subscribe).then(function () {
            localStorage.setItem(WANTED, "1");
            return "on";
          });
        })
        : navigator.serviceWorker.ready.then(unsubscribe).then(function () {
          localStorage.setItem(WANTED, "0");
          return "off";
        });
      work.then(function (state) { show(section, state); }, function () { show(section, "error"); });
    });
  }

  function start() {
    resync();
    bind(document.getElementById("push-settings"));
  }

  // The 더보기 page may arrive by a boosted swap, after this script ran.
  document.addEventListener("htmx:load", function () { bind(document.getElementById("push-settings")); });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
