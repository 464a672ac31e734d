// The document viewer: page counter, jump to page, zoom level, and the deterrents
// (no context menu, selection, drag or print; blur while the app is hidden or unfocused).
// Deterrents only: the real protection is that the file never leaves the server and
// every pixel names its reader.
(function () {
  "use strict";
  var viewer = document.getElementById("viewer");
  if (!viewer) return;
  var body = document.body;
  var total = parseInt(viewer.getAttribute("data-pages"), 10) || 1;
  var counter = document.getElementById("current-page");

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

  // --- page counter ---------------------------------------------------------------
  var pages = Array.prototype.slice.call(viewer.querySelectorAll(".page"));
  if ("IntersectionObserver" in window) {
    var visible = {};
    var observer = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        visible[entry.target.getAttribute("data-page")] = entry.isIntersecting ? entry.intersectionRatio : 0;
      });
      var best = null, ratio = 0;
      Object.keys(visible).forEach(function (page) {
        if (visible[page] > ratio) { ratio = visible[page]; best = page; }
      });
      if (best && counter) counter.textContent = best;
    }, { threshold: [0, 0.25, 0.5, 0.75, 1] });
    pages.forEach(function (page) { observer.observe(page); });
  }

  // --- jump to page -----------------------------------------------------------------
  var jump = document.getElementById("jump-form");
  if (jump) {
    jump.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = document.getElementById("jump-to");
      var n = Math.min(Math.max(parseInt(input.value, 10) || 1, 1), total);
      var target = document.getElementById("page-" + n);
      if (target) {
        target.scrollIntoView({ block: "start" });
        if (counter) counter.textContent = String(n);
      }
    });
  }

  // --- a page image that failed (network, an expired address, a render error) offers a retry ---
  var SVG = "http://www.w3.org/2000/svg";
  document.addEventListener("error", function (event) {
    var img = event.target;
    if (!img.classList || !img.classList.contains("page-img")) return;
    var slot = document.createElement("div");
    slot.className = "page-slot page-failed";
    var ghost = document.createElementNS(SVG, "svg");   // keeps the page's shape
    ghost.setAttribute("class", "page-ghost");
    ghost.setAttribute("viewBox", "0 0 " + (img.getAttribute("width") || 595) + " " + (img.getAttribute("height") || 842));
    ghost.setAttribute("aria-hidden", "true");
    var box = document.createElement("div");
    box.className = "page-loading";
    var text = document.createElement("p");
    text.textContent = viewer.getAttribute("data-failed");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "btn btn-small page-retry";
    button.textContent = viewer.getAttribute("data-retry");
    button.addEventListener("click", function () {
      if (!window.htmx) return;
      window.htmx.ajax("GET", img.getAttribute("data-fragment"), { source: slot, target: slot, swap: "outerHTML",
        values: { z: document.getElementById("zoom-level").value, v: document.getElementById("view-id").value } });
    });
    box.appendChild(text);
    box.appendChild(button);
    slot.appendChild(ghost);
    slot.appendChild(box);
    img.replaceWith(slot);
  }, true);

  // --- zoom level: re-request loaded pages at the larger width ------------------------
  var zoom = document.getElementById("zoom-toggle");
  var level = document.getElementById("zoom-level");
  var view = document.getElementById("view-id");
  if (zoom && level) {
    zoom.addEventListener("click", function () {
      var on = level.value !== "1";
      level.value = on ? "1" : "0";
      zoom.setAttribute("aria-pressed", on ? "true" : "false");
      viewer.classList.toggle("zoomed", on);
      if (!window.htmx) return;
      // Each image is its own request source: htmx would otherwise keep only the last request.
      viewer.querySelectorAll("img.page-img").forEach(function (img) {
        window.htmx.ajax("GET", img.getAttribute("data-fragment"),
          { source: img, target: img, swap: "outerHTML", values: { z: level.value, v: view ? view.value : "" } });
      });
    });
  }
})();
