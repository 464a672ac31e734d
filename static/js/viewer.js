// The document viewer: page loading at the width each page is shown at, zoom (맞춤, 150 %, 200 % and
// pinch) that keeps the reader's place, page counter, jump to page, and the deterrents (no context
// menu, selection, drag or print; blur while the app is hidden or unfocused).
// Deterrents only: the real protection is that the file never leaves the server and
// every pixel names its reader.
(function () {
  "use strict";
  var viewer = document.getElementById("viewer");
  if (!viewer) return;
  var body = document.body;

  // --- deterrents -------------------------------------------------------------------
  ["contextmenu", "selectstart", "dragstart", "copy", "cut"].forEach(function (type) {
    document.addEventListener(type, function (event) { event.preventDefault(); }, { capture: true });
  });
  function setHidden(on) { body.classList.toggle("viewer-concealed", on); }
  document.addEventListener("visibilitychange", function () { setHidden(document.hidden); });
  window.addEventListener("blur", function () { setHidden(true); });
  window.addEventListener("focus", function () { setHidden(document.hidden); });
  window.addEventListener("pagehide", function () { setHidden(true); });
  document.addEventListener("keydown", function (event) {
    var key = (event.key || "").toLowerCase();
    if ((event.ctrlKey || event.metaKey) && (key === "p" || key === "s")) event.preventDefault();
    if (key === "printscreen") setHidden(true);
  });
  document.addEventListener("keyup", function (event) {
    if ((event.key || "").toLowerCase() === "printscreen") {
      window.setTimeout(function () { setHidden(document.hidden); }, 1500);
    }
  });

  // --- pages: fetched near the screen, at the width they are shown at ------------------------
  var list = viewer.querySelector(".pages");
  var wrap = viewer.querySelector(".pages-wrap");
  var bar = viewer.querySelector(".viewer-bar");
  var viewId = viewer.getAttribute("data-view") || "";
  var widths = (viewer.getAttribute("data-widths") || "1080").split(" ").map(Number);
  var pages = Array.prototype.slice.call(viewer.querySelectorAll(".page"));
  var pending = {};      // page number -> the width being fetched for it
  var pinch = null;      // a two-finger gesture in progress
  var scale = 1;
  var MIN_SCALE = 1, MAX_SCALE = 3;

  // The same rounding as core.documents.service.fit_width: the smallest allowed width that is at least
  // 90 % of the device pixels the page takes, else the largest.
  function fitWidth(wanted) {
    for (var i = 0; i < widths.length; i++) if (widths[i] >= wanted * 0.9) return widths[i];
    return widths[widths.length - 1];
  }
  function wantedWidth(li) {
    return fitWidth(li.getBoundingClientRect().width * (window.devicePixelRatio || 1));
  }
  function content(li) { return li.querySelector("img.page-img, .page-slot"); }

  function load(li, retry) {
    var n = li.getAttribute("data-page");
    var el = content(li);
    if (!el) return;
    var width = wantedWidth(li);
    var have = el.tagName === "IMG" ? parseInt(el.getAttribute("data-width"), 10) || 0 : 0;
    if (have >= width || (pending[n] || 0) >= width) return;
    if (!retry && el.classList.contains("page-failed")) return;   // waits for 다시 불러오기
    pending[n] = width;
    var url = li.getAttribute("data-fragment") + "?w=" + width + "&v=" + encodeURIComponent(viewId);
    fetch(url, { credentials: "same-origin", headers: { "HX-Request": "true" } }).then(function (response) {
      var redirect = response.headers.get("HX-Redirect");
      if (response.status === 401 && redirect) window.location.href = redirect;   // the session ended
      if (!response.ok) throw new Error("fragment " + response.status);
      return response.text();
    }).then(function (html) {
      var holder = document.createElement("template");
      holder.innerHTML = html;
      var found = holder.content.querySelector("img.page-img");
      if (!found) throw new Error("no page image");
      // Imported into this document, the image loads at once; it replaces what is shown only when it
      // is decoded, so a page never blanks while its sharper image comes.
      var img = document.importNode(found, true);
      return img.decode().then(function () { return img; });
    }).then(function (img) {
      if (pending[n] !== width) return;   // a later zoom asked for another width
      delete pending[n];
      var current = content(li);
      if (current) current.replaceWith(img);
    }).catch(function () {
      if (pending[n] !== width) return;
      delete pending[n];
      fail(li);
    });
  }

  function nearScreen(li) {
    var r = li.getBoundingClientRect();
    return r.bottom > -window.innerHeight / 2 && r.top < window.innerHeight * 1.5;
  }
  // Zoomed or resized pages need their sharper image now, not on the next scroll.
  function loadVisible() { pages.forEach(function (li) { if (nearScreen(li)) load(li); }); }

  if ("IntersectionObserver" in window) {
    var loader = new IntersectionObserver(function (entries) {
      if (pinch) return;   // the gesture's end loads what it shows, at the final width
      entries.forEach(function (entry) { if (entry.isIntersecting) load(entry.target); });
    }, { rootMargin: "50% 0px" });
    pages.forEach(function (li) { loader.observe(li); });
  } else {
    pages.forEach(function (li) { load(li); });
  }

  // --- a page that failed (network, an expired address, a render error) offers a retry ---------
  var SVG = "http://www.w3.org/2000/svg";
  function fail(li) {
    var current = content(li);
    if (!current || current.classList.contains("page-failed")) return;
    var ghost = current.querySelector ? current.querySelector(".page-ghost") : null;
    var box = current.tagName === "IMG" ? "0 0 " + (current.getAttribute("width") || 595) + " " +
      (current.getAttribute("height") || 842) : (ghost && ghost.getAttribute("viewBox")) || "0 0 595 842";
    var slot = document.createElement("div");
    slot.className = "page-slot page-failed";
    var shape = document.createElementNS(SVG, "svg");   // keeps the page's shape
    shape.setAttribute("class", "page-ghost");
    shape.setAttribute("viewBox", box);
    shape.setAttribute("aria-hidden", "true");
    var note = document.createElement("div");
    note.className = "page-loading";
    var text = document.createElement("p");
    text.textContent = viewer.getAttribute("data-failed");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small page-retry";
    button.textContent = viewer.getAttribute("data-retry");
    button.addEventListener("click", function () { load(li, true); });
    note.appendChild(text);
    note.appendChild(button);
    slot.appendChild(shape);
    slot.appendChild(note);
    current.replaceWith(slot);
  }
  document.addEventListener("error", function (event) {
    var img = event.target;
    if (img.classList && img.classList.contains("page-img") && img.closest(".page")) fail(img.closest(".page"));
  }, true);

  // --- which page is being read: the one under the middle of the visible area ---------------------
  var counter = document.getElementById("current-page");
  function readingPoint() {
    var top = Math.max(bar ? bar.getBoundingClientRect().bottom : 0, 0);
    var box = wrap.getBoundingClientRect();
    return { x: box.left + wrap.clientWidth / 2, y: (top + window.innerHeight) / 2 };
  }
  function pageAt(y) {
    for (var i = 0; i < pages.length; i++) if (pages[i].getBoundingClientRect().bottom > y) return pages[i];
    return pages[pages.length - 1];
  }
  function showCurrent() {
    if (counter && pages.length) counter.textContent = pageAt(readingPoint().y).getAttribute("data-page");
  }
  var counting = false;
  window.addEventListener("scroll", function () {
    if (counting) return;
    counting = true;
    window.requestAnimationFrame(function () { counting = false; showCurrent(); });
  }, { passive: true });

  // --- zoom: 맞춤 (fit width), 150 %, 200 % and pinch; the point being read stays where it is ----------
  var buttons = Array.prototype.slice.call(viewer.querySelectorAll(".zoom-btn"));
  function setScale(next, point) {
    next = Math.min(Math.max(next, MIN_SCALE), MAX_SCALE);
    point = point || readingPoint();
    var li = pageAt(point.y);
    var before = li.getBoundingClientRect(), all = list.getBoundingClientRect();
    var down = (point.y - before.top) / before.height, across = (point.x - all.left) / all.width;
    scale = next;
    list.style.width = (scale * 100) + "%";   // CSSOM, which the CSP allows (no style attribute in markup)
    viewer.classList.toggle("zoomed", scale > 1);
    var after = li.getBoundingClientRect();
    window.scrollBy({ top: after.top + down * after.height - point.y, behavior: "instant" });
    all = list.getBoundingClientRect();
    wrap.scrollLeft += all.left + across * all.width - point.x;
    buttons.forEach(function (b) {
      b.setAttribute("aria-pressed", Math.abs(parseFloat(b.getAttribute("data-zoom")) - scale) < 0.01 ? "true" : "false");
    });
    showCurrent();
  }
  buttons.forEach(function (b) {
    b.addEventListener("click", function () { setScale(parseFloat(b.getAttribute("data-zoom"))); loadVisible(); });
  });

  // Two fingers on the pages zoom them (the browser's own pinch is off there, in viewer.css): the page
  // is laid out wider rather than magnified, so its image is fetched at the width it is then shown at.
  function spread(touches) {
    return Math.hypot(touches[0].clientX - touches[1].clientX, touches[0].clientY - touches[1].clientY) || 1;
  }
  function middle(touches) {
    return { x: (touches[0].clientX + touches[1].clientX) / 2, y: (touches[0].clientY + touches[1].clientY) / 2 };
  }
  wrap.addEventListener("touchstart", function (event) {
    if (event.touches.length !== 2) return;
    pinch = { spread: spread(event.touches), scale: scale };
    event.preventDefault();
  }, { passive: false });
  wrap.addEventListener("touchmove", function (event) {
    if (!pinch || event.touches.length !== 2) return;
    event.preventDefault();
    setScale(pinch.scale * spread(event.touches) / pinch.spread, middle(event.touches));
  }, { passive: false });
  function pinchEnd(event) {
    if (!pinch || event.touches.length >= 2) return;
    pinch = null;
    loadVisible();
  }
  wrap.addEventListener("touchend", pinchEnd);
  wrap.addEventListener("touchcancel", pinchEnd);

  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(loadVisible, 200);
  });

  // --- jump to page -----------------------------------------------------------------
  var total = parseInt(viewer.getAttribute("data-pages"), 10) || 1;
  var jump = document.getElementById("jump-form");
  if (jump) {
    jump.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = document.getElementById("jump-to");
      var n = Math.min(Math.max(parseInt(input.value, 10) || 1, 1), total);
      var target = document.getElementById("page-" + n);
      if (target) {
        target.scrollIntoView({ block: "start" });
        // ... and out from under the sticky bar
        window.scrollBy({ top: -Math.max(bar ? bar.getBoundingClientRect().bottom : 0, 0), behavior: "instant" });
        if (counter) counter.textContent = String(n);
      }
    });
  }
})();
