// The console's lines list (templates/lettering/lines.html). Loaded from the body, so a boosted swap runs it
// again: document listeners are added once, the form's own on each page.
//
// Issue 11: a search still loading when 편집 was pressed answered after the edit page had opened, and its
// hx-push-url put the search URL in the address bar, where the edit form posted (405). Now an answer that arrives
// after its list has left the page is neither swapped nor pushed into history (the guard is on the elements
// themselves: a left page's events no longer reach the document), a search whose form has left is not sent, and
// a boosted navigation aborts the search in flight. The edit form also names its own action.
(function () {
  "use strict";

  function guard() {
    ["line-search", "line-results"].forEach(function (id) {
      var element = document.getElementById(id);
      if (!element || element.dataset.guarded) return;
      element.dataset.guarded = "1";
      element.addEventListener(id === "line-search" ? "htmx:beforeRequest" : "htmx:beforeSwap", function (event) {
        if (!element.isConnected) event.preventDefault();
      });
    });
  }

  // Bulk actions: "select all on this page" ticks the rows' boxes.
  function selectAll(event) {
    var box = event.target;
    if (!box.matches || !box.matches("[data-select-all]")) return;
    var scope = box.closest("form") || document;
    scope.querySelectorAll("input[name=line]").forEach(function (item) { item.checked = box.checked; });
  }

  guard();
  if (window.linesListReady) return;
  window.linesListReady = true;
  document.addEventListener("htmx:load", guard);
  document.addEventListener("change", selectAll);
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!event.detail.boosted) return;
    var form = document.getElementById("line-search");
    if (form && form !== event.detail.elt && window.htmx) window.htmx.trigger(form, "htmx:abort");
  });
})();
