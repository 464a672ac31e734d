// The board list: after "더 보기" swaps in the next rows, the focus moves to the first new post, so that a
// keyboard or screen-reader user continues where the list grew instead of at the top of the page.
(function () {
  "use strict";
  if (window.boardList) return;
  window.boardList = true;
  document.addEventListener("htmx:afterSettle", function () {
    var first = document.querySelector(".post-item[data-page-start] .post-link");
    if (!first) return;
    first.closest(".post-item").removeAttribute("data-page-start");
    first.focus();
  });
})();
