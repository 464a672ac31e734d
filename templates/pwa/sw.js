/* The service worker of 고양 스마트행정, build {{ build }}.
 * Served from /sw.js by blueprints/pwa so that the build id (app version plus a digest of the
 * shell files' paths and contents) is baked into its bytes: every deploy that changes them installs
 * a new worker and the page offers the update (static/js/app.js). Caching rules: docs/pwa.md. */
"use strict";

var BUILD = {{ build|tojson }};
var SHELL_CACHE = "shell-" + BUILD;      // static files and the offline page of this build
var PAGES_CACHE = "pages-v1";             // pages the user has opened, for offline navigation
var DATA_CACHE = "directory-v1";          // the directory snapshot
var BOARD_CACHE = "board-v1";            // the board's saved copy and the page that shows it (board-offline.js)
var MENU_CACHE = "menu-v1";              // the cafeteria week page (see "The cafeteria menu offline" below)
var EMERGENCY_CACHE = "emergency-v1";    // 비상연락망: my groups' page and copy (see "비상연락망 offline")
var KEEP = [SHELL_CACHE, PAGES_CACHE, DATA_CACHE, BOARD_CACHE, MENU_CACHE, EMERGENCY_CACHE];
var OFFLINE_URL = {{ offline_url|tojson }};
var SNAPSHOT_URL = {{ snapshot_url|tojson }};
var SHELL_PAGES = {{ shell_pages|list|tojson }};
var STATIC_URLS = {{ static_urls|tojson }};  // content-hashed: the URLs the pages use
// A content-hashed name (app.3f9a1c2b.css) never changes its bytes, so a stored copy needs no refresh.
var HASHED = /\.[0-9a-f]{8}(\.[A-Za-z0-9]+)?$/;
var SNAPSHOT_DB = "directory-offline";

// Never stored: documents and their viewer, the console, the APIs (snapshot aside) and
// anything to do with signing in or out.
var PRIVATE = [/^\/viewer\//, /^\/documents(\/|$)/, /^\/api\//, /^\/admin(\/|$)/, /^\/login/, /^\/logout/,
               /^\/account\//];

function isPrivate(path) {
  return PRIVATE.some(function (pattern) { return pattern.test(path); });
}

function storable(response) {
  return response && response.ok && response.status === 200 && response.type === "basic" && !response.redirected &&
    !/no-store/i.test(response.headers.get("Cache-Control") || "");
}

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL_CACHE).then(function (cache) {
    // The shell must be complete or the install fails. Hashed files may come from the HTTP cache
    // (the page has just loaded most of them); the offline page is fetched afresh, in the
    // language the server picks for this user.
    var required = STATIC_URLS.map(function (url) { return new Request(url); })
      .concat([new Request(OFFLINE_URL, { cache: "reload", credentials: "same-origin" })]);
    return cache.addAll(required);
  }).then(function () {
    // Signed-in pages are best effort: before login they only redirect to the login page.
    return caches.open(PAGES_CACHE).then(function (pages) {
      return Promise.all(SHELL_PAGES.map(function (url) {
        return fetch(new Request(url, { cache: "reload", credentials: "same-origin", redirect: "manual" })).then(function (response) {
          if (storable(response)) return pages.put(url, response);
        }).catch(function () { /* offline during install: the page is cached when next opened */ });
      }));
    });
  }));
  // No skipWaiting() here: an update waits until the user accepts it from the banner.
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) { return KEEP.indexOf(name) < 0; })
      .map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("message", function (event) {
  if (!event.data) return;
  if (event.data.type === "SKIP_WAITING") self.skipWaiting();
  if (event.data.type === "LANGUAGE") event.waitUntil(followLanguage(String(event.data.lang || "")));
});

// After sign-out nothing of the user's may stay on the phone: cached pages, the snapshot
// and the IndexedDB copy the directory page keeps.
function forgetUser() {
  return Promise.all([caches.delete(PAGES_CACHE), caches.delete(DATA_CACHE), caches.delete(BOARD_CACHE), caches.delete(MENU_CACHE), caches.delete(EMERGENCY_CACHE), new Promise(function (resolve) {
    var request = indexedDB.deleteDatabase(SNAPSHOT_DB);
    request.onsuccess = request.onerror = request.onblocked = function () { resolve(); };
  })]);
}

// The offline page is kept in the language of the pages the user reads. Every page says its
// language (Content-Language): full page loads pass through navigate() below, boosted ones are
// reported by app.js. When it is not the stored offline page's, the page is fetched again and the
// server picks the language as for any page (the user's choice, else Accept-Language).
function followLanguage(lang) {
  if (!lang) return Promise.resolve();
  return caches.open(SHELL_CACHE).then(function (cache) {
    return cache.match(OFFLINE_URL, { ignoreVary: true }).then(function (hit) {
      if (hit && hit.headers.get("Content-Language") === lang) return;
      return fetch(new Request(OFFLINE_URL, { cache: "reload", credentials: "same-origin" })).then(function (response) {
        if (storable(response)) return cache.put(OFFLINE_URL, response);
      });
    });
  }).catch(function () { /* offline or a failed fetch: the stored page stands */ });
}

// Pages: the network first, so staff see fresh data; the stored copy when offline; the
// offline page for a page never opened before.
function navigate(event, url) {
  var request = event.request;
  return fetch(request).then(function (response) {
    if (response.ok && response.type === "basic") event.waitUntil(followLanguage(response.headers.get("Content-Language")));
    // Only pages without a query are kept: search URLs would pile up, and the plain page
    // stands in for them offline.
    if (!isPrivate(url.pathname) && !url.search && storable(response)) {
      var copy = response.clone();
      event.waitUntil(caches.open(PAGES_CACHE).then(function (cache) { return cache.put(url.href, copy); }));
    }
    return response;
  }).catch(function () {
    return caches.open(PAGES_CACHE).then(function (cache) {
      return cache.match(url.href, { ignoreVary: true }).then(function (hit) {
        return hit || (isPrivate(url.pathname) ? null : cache.match(url.pathname, { ignoreVary: true, ignoreSearch: true }));
      });
    }).then(function (hit) {
      return hit || caches.match(OFFLINE_URL, { cacheName: SHELL_CACHE, ignoreVary: true });
    }).then(function (hit) {
      return hit || Response.error();
    });
  });
}

// Static files: answer from the cache at once and, unless the name is content-hashed, refresh it
// behind the scenes.
function staleWhileRevalidate(event) {
  var request = event.request;
  return caches.open(SHELL_CACHE).then(function (cache) {
    return cache.match(request, { ignoreSearch: true, ignoreVary: true }).then(function (hit) {
      if (hit && HASHED.test(new URL(request.url).pathname)) return hit;
      var refresh = fetch(request).then(function (response) {
        if (storable(response)) return cache.put(request.url.split("?")[0], response.clone()).then(function () { return response; });
        return response;
      });
      if (hit) {
        event.waitUntil(refresh.catch(function () { /* offline: the cached copy stands */ }));
        return hit;
      }
      return refresh.catch(function (error) { return boardAsset(request, error); });
    });
  });
}

// The snapshot: the network first (the page sends If-None-Match, a 304 passes through),
// the last good copy when offline. Only full copies are stored: a request with ?since= (a delta
// for the copy the page holds) fails offline rather than get a stored copy older than the page's.
function snapshot(event) {
  var request = event.request;
  var delta = new URL(request.url).searchParams.has("since");
  return fetch(request).then(function (response) {
    if (!delta && storable(response)) {
      var copy = response.clone();
      event.waitUntil(caches.open(DATA_CACHE).then(function (cache) { return cache.put(SNAPSHOT_URL, copy); }));
    }
    return response;
  }).catch(function () {
    if (delta) return Response.error();
    return caches.match(SNAPSHOT_URL, { cacheName: DATA_CACHE, ignoreVary: true }).then(function (hit) {
      return hit || Response.error();
    });
  });
}

// --- The board offline (static/js/board-offline.js) --------------------------------------------
// The last 50 posts live in one JSON copy, shown by one empty page; both are fetched by the board's pages
// while online and kept here. A board address opened with no network gets that page, which renders the list
// or the post from the copy under a "saved copy" banner. Board pages themselves are never stored (the copy
// is what is read offline), and neither are attachments: they open only in the viewer, which is no-store.
var BOARD_COPY_URL = "/board/offline.json";
var BOARD_PAGE_URL = "/board/offline";
var BOARD_ADDRESS = /^\/board(\/\d+)?\/?$/;

function boardKept(event) {
  var request = event.request;
  var key = new URL(request.url).pathname;
  return fetch(request).then(function (response) {
    if (storable(response)) {
      var copy = response.clone();
      event.waitUntil(caches.open(BOARD_CACHE).then(function (cache) { return cache.put(key, copy); }));
    }
    return response;
  }).catch(function () {
    return caches.match(key, { cacheName: BOARD_CACHE, ignoreVary: true, ignoreSearch: true }).then(function (hit) {
      return hit || Response.error();
    });
  });
}

// The board's own script and style are not shell files; board-offline.js keeps them beside the copy, so the
// saved page still works offline after an update has replaced the shell cache.
function boardAsset(request, error) {
  return caches.match(request.url.split("?")[0], { cacheName: BOARD_CACHE, ignoreVary: true }).then(function (hit) {
    if (hit) return hit;
    throw error;
  });
}

function boardNavigate(event) {
  return fetch(event.request).catch(function () {
    return caches.match(BOARD_PAGE_URL, { cacheName: BOARD_CACHE, ignoreVary: true }).then(function (hit) {
      return hit || caches.match(OFFLINE_URL, { cacheName: SHELL_CACHE, ignoreVary: true });
    }).then(function (hit) { return hit || Response.error(); });
  });
}

// --- The cafeteria menu offline (templates/menu, blueprints/menu) ------------------------------------------
// The week page of my own cafeteria (/menu without a query, today marked by static/js/menu.js) is kept in its
// own cache each time it is opened online, with the page's style and script; offline, /menu (with or without
// a query) answers with that copy. Sign-out deletes the cache (forgetUser). Today's menu is on the home card,
// which is a stored page like any other (pages-v1).
var MENU_PAGE_URL = "/menu";
var MENU_ASSETS = /^\/static\/(css\/menu|js\/menu)\./;

function menuNavigate(event, url) {
  return fetch(event.request).then(function (response) {
    if (!url.search && storable(response)) {
      var copy = response.clone();
      event.waitUntil(caches.open(MENU_CACHE).then(function (cache) { return cache.put(MENU_PAGE_URL, copy); }));
    }
    return response;
  }).catch(function () {
    return caches.match(MENU_PAGE_URL, { cacheName: MENU_CACHE, ignoreVary: true }).then(function (hit) {
      return hit || caches.match(OFFLINE_URL, { cacheName: SHELL_CACHE, ignoreVary: true });
    }).then(function (hit) { return hit || Response.error(); });
  });
}

function menuAsset(event, url) {
  return fetch(event.request).then(function (response) {
    if (storable(response)) {
      var copy = response.clone();
      event.waitUntil(caches.open(MENU_CACHE).then(function (cache) { return cache.put(url.pathname, copy); }));
    }
    return response;
  }).catch(function () {
    return caches.match(url.pathname, { cacheName: MENU_CACHE, ignoreVary: true, ignoreSearch: true }).then(function (hit) {
      return hit || caches.match(event.request, { cacheName: SHELL_CACHE, ignoreSearch: true, ignoreVary: true });
    }).then(function (hit) { return hit || Response.error(); });
  });
}

// Answers the menu's requests; false for anything else.
function menuFetch(event, url) {
  if (event.request.mode === "navigate" && /^\/menu\/?$/.test(url.pathname)) { event.respondWith(menuNavigate(event, url)); return true; }
  if (MENU_ASSETS.test(url.pathname)) { event.respondWith(menuAsset(event, url)); return true; }
  return false;
}
// --- /The cafeteria menu offline ---------------------------------------------------------------------------

// --- 비상연락망 offline (templates/emergency, blueprints/emergency) -------------------------------------------
// Every group I belong to, with its members' numbers, is on the phone: the members' page /emergency (tel: and
// sms: links work with no network) and its JSON copy /emergency/offline.json live in emergency-v1, with the
// page's style. They are stored when opened online and refreshed in the background at most every 10 minutes
// after any other page loads online, so they are there before the day they are needed. Offline, /emergency
// answers from the copy. Sign-out deletes the cache (forgetUser).
var EMERGENCY_PAGE_URL = "/emergency";
var EMERGENCY_COPY_URL = "/emergency/offline.json";
var EMERGENCY_ASSETS = /^\/static\/css\/emergency\./;
var EMERGENCY_REFRESH_MS = 10 * 60 * 1000;
var emergencyRefreshedAt = 0;

function emergencyStore(path, response) {
  if (!storable(response)) return Promise.resolve();
  return caches.open(EMERGENCY_CACHE).then(function (cache) { return cache.put(path, response); });
}

function emergencyKept(event, path) {
  return fetch(event.request).then(function (response) {
    event.waitUntil(emergencyStore(path, response.clone()));
    return response;
  }).catch(function () {
    return caches.match(path, { cacheName: EMERGENCY_CACHE, ignoreVary: true, ignoreSearch: true }).then(function (hit) {
      return hit || (event.request.mode === "navigate" ? caches.match(OFFLINE_URL, { cacheName: SHELL_CACHE, ignoreVary: true }) : null);
    }).then(function (hit) { return hit || Response.error(); });
  });
}

function emergencyRefresh() {
  if (Date.now() - emergencyRefreshedAt < EMERGENCY_REFRESH_MS) return Promise.resolve();
  emergencyRefreshedAt = Date.now();
  return Promise.all([EMERGENCY_PAGE_URL, EMERGENCY_COPY_URL].map(function (path) {
    return fetch(new Request(path, { credentials: "same-origin", redirect: "manual" })).then(function (response) {
      if (path !== EMERGENCY_PAGE_URL || !storable(response)) return emergencyStore(path, response);
      // The page's own style (a content-hashed name) is kept beside it, so the copy looks right offline.
      return response.clone().text().then(function (html) {
        var style = html.match(/\/static\/css\/emergency\.[0-9a-f]{8}\.css/);
        return Promise.all([emergencyStore(path, response), style ? fetch(style[0]).then(function (asset) {
          return emergencyStore(style[0], asset);
        }) : null]);
      });
    });
  })).catch(function () { /* offline or signed out: the stored copy stands */ });
}

// Answers 비상연락망's requests; false for anything else (which may start a background refresh).
function emergencyFetch(event, url) {
  if (url.pathname === EMERGENCY_COPY_URL) { event.respondWith(emergencyKept(event, EMERGENCY_COPY_URL)); return true; }
  if (event.request.mode === "navigate" && /^\/emergency\/?$/.test(url.pathname)) {
    event.respondWith(emergencyKept(event, EMERGENCY_PAGE_URL));
    return true;
  }
  if (EMERGENCY_ASSETS.test(url.pathname)) { event.respondWith(emergencyKept(event, url.pathname)); return true; }
  if (event.request.mode === "navigate" && !isPrivate(url.pathname) && self.navigator.onLine !== false) {
    event.waitUntil(emergencyRefresh());
  }
  return false;
}
// --- /비상연락망 offline ------------------------------------------------------------------------------------

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    if (request.method === "POST" && url.pathname === "/logout") event.waitUntil(forgetUser());
    return;  // never cached
  }
  if (url.pathname === SNAPSHOT_URL) { event.respondWith(snapshot(event)); return; }
  if (menuFetch(event, url)) return;  // the cafeteria menu's own block above
  if (emergencyFetch(event, url)) return;  // 비상연락망's own block above
  if (url.pathname === BOARD_COPY_URL || url.pathname === BOARD_PAGE_URL) { event.respondWith(boardKept(event)); return; }
  if (request.mode === "navigate" && BOARD_ADDRESS.test(url.pathname)) { event.respondWith(boardNavigate(event)); return; }
  if (request.mode === "navigate") { event.respondWith(navigate(event, url)); return; }
  if (isPrivate(url.pathname)) return;
  if (url.pathname.indexOf("/static/") === 0 || url.pathname === "/manifest.webmanifest") {
    event.respondWith(staleWhileRevalidate(event));
  }
  // Anything else (htmx partials, other requests) goes to the network untouched.
});

// --- Web push (static/js/push.js subscribes; core/push sends) ---------------------------------------------
// Every push shows a notification, even one whose payload cannot be read (iOS revokes the subscription of
// an app that receives a push and shows nothing). A click opens the push's page in a window of the app if
// one is open, else a new one. "shown" and "clicked" go back with the push's receipt, which authenticates
// them (the worker has no session or CSRF token). Once a notification is shown the worker tells its
// windows (PUSH_SHOWN), so a page or a test can wait for it instead of racing getNotifications().
// A push may carry buttons ("actions") and a "tap" answer (core/push/actions.py): a button posts its answer
// with the receipt and replaces the notification with the server's confirmation; a tap posts the tap answer,
// then opens the page. A refused or unsent answer opens the page, which says why and has the same buttons.
var PUSH_EVENTS_URL = "/api/push/events";
var PUSH_ACTION_URL = "/api/push/action";
var PUSH_ANSWER_WAIT_MS = 4000;
var PUSH_ICON = {{ url_for('static', filename='icons/icon-192.png')|tojson }};
var PUSH_FALLBACK = { title: "고양 스마트행정", body: "새 알림이 있습니다. 알림함에서 확인해 주세요.", url: "/inbox" };

function pushPayload(event) {
  var data = null;
  try { data = event.data ? event.data.json() : null; } catch (error) { data = null; }
  if (!data || typeof data !== "object") data = {};
  var url = typeof data.url === "string" && /^\/(?!\/)/.test(data.url) ? data.url : PUSH_FALLBACK.url;
  return {
    title: typeof data.title === "string" && data.title ? data.title.slice(0, 200) : PUSH_FALLBACK.title,
    body: typeof data.body === "string" ? data.body.slice(0, 500) : (data.title ? "" : PUSH_FALLBACK.body),
    url: url,
    tag: typeof data.tag === "string" ? data.tag.slice(0, 64) : "",
    receipt: typeof data.receipt === "string" ? data.receipt.slice(0, 64) : "",
    actions: (Array.isArray(data.actions) ? data.actions : []).filter(function (a) {
      return a && typeof a.action === "string" && typeof a.title === "string";
    }).slice(0, 3).map(function (a) { return { action: a.action.slice(0, 32), title: a.title.slice(0, 40) }; }),
    tap: typeof data.tap === "string" ? data.tap.slice(0, 32) : ""
  };
}

function pushReport(receipt, name) {
  if (!receipt) return Promise.resolve();
  return fetch(PUSH_EVENTS_URL, {
    method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ receipt: receipt, event: name })
  }).catch(function () { /* offline: the figure stays a little low */ });
}

function pushTellWindows(message) {
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    windows.forEach(function (client) { client.postMessage(message); });
  });
}

function pushShow(push) {
  var options = { body: push.body, icon: PUSH_ICON, badge: PUSH_ICON, lang: "ko",
                  data: { url: push.url, receipt: push.receipt, tap: push.tap } };
  // The same tag replaces an earlier notification of the same post (an edit) instead of stacking it.
  if (push.tag) { options.tag = push.tag; options.renotify = true; }
  // A notification that asks for an answer stays until it is given; the platform shows maxActions buttons.
  if (push.actions.length) {
    options.actions = push.actions.slice(0, Notification.maxActions || 2);
    options.requireInteraction = true;
  }
  return self.registration.showNotification(push.title, options).then(function () {
    return Promise.all([pushReport(push.receipt, "shown"),
                        pushTellWindows({ type: "PUSH_SHOWN", title: push.title, body: push.body, url: push.url })]);
  });
}

// The page a notification opens: a window already on it is focused; else an open window of the app goes
// there; else a new window. navigate() comes before focus(): it needs no user activation, focus() may refuse.
function pushOpen(path) {
  var target = new URL(path, self.location.origin).href;
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    var same = windows.filter(function (client) { return client.url === target; })[0];
    if (same) return same.focus().catch(function () { return same; });
    var open = windows.filter(function (client) { return "navigate" in client; })[0];
    if (!open) return self.clients.openWindow(target);
    return open.navigate(target).then(function (client) {
      return client ? client.focus().catch(function () { return client; }) : self.clients.openWindow(target);
    }, function () { return self.clients.openWindow(target); });
  });
}

// The server's confirmation {title, message}, or null when it refused the answer or could not be reached.
function pushAnswer(receipt, action) {
  if (!receipt) return Promise.resolve(null);
  var sent = fetch(PUSH_ACTION_URL, {
    method: "POST", credentials: "omit", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ receipt: receipt, action: action })
  }).then(function (response) { return response.ok ? response.json() : null; }, function () { return null; });
  var late = new Promise(function (resolve) { setTimeout(function () { resolve(null); }, PUSH_ANSWER_WAIT_MS); });
  return Promise.race([sent, late]);
}

function pushConfirm(notification, url, action, done) {
  return Promise.all([
    self.registration.showNotification(done.title, { body: done.message, icon: PUSH_ICON, badge: PUSH_ICON,
                                                     lang: "ko", tag: notification.tag, silent: true,
                                                     data: { url: url } }),
    pushTellWindows({ type: "PUSH_ANSWERED", action: action, message: done.message })
  ]);
}

// action is the button pressed ("" for a tap on the body).
function pushClicked(notification, action) {
  var data = notification.data || {};
  var url = data.url || PUSH_FALLBACK.url;
  notification.close();
  if (action) {
    return pushAnswer(data.receipt, action).then(function (done) {
      return done ? pushConfirm(notification, url, action, done) : pushOpen(url);
    });
  }
  if (data.tap) return pushAnswer(data.receipt, data.tap).then(function () { return pushOpen(url); });
  return Promise.all([pushOpen(url), pushReport(data.receipt, "clicked")]);
}

self.addEventListener("push", function (event) {
  event.waitUntil(pushShow(pushPayload(event)));
});

self.addEventListener("notificationclick", function (event) {
  event.waitUntil(pushClicked(event.notification, event.action || ""));
});
