/* The week page (templates/menu/week.html) may be a saved copy opened offline on a later day: mark today by
   the phone's own Asia/Seoul date, not the one the server saw when it rendered the page. */
(function () {
  "use strict";
  function todayInSeoul() {
    var parts = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Seoul", year: "numeric", month: "2-digit", day: "2-digit" })
      .formatToParts(new Date());
    var get = function (type) { return parts.filter(function (p) { return p.type === type; })[0].value; };
    return get("year") + "-" + get("month") + "-" + get("day");
  }
  function mark() {
    var today = todayInSeoul();
    document.querySelectorAll(".meal-day[data-day]").forEach(function (section) {
      var isToday = section.getAttribute("data-day") === today;
      section.classList.toggle("meal-today", isToday);
      if (isToday) section.setAttribute("aria-current", "date"); else section.removeAttribute("aria-current");
      var badge = section.querySelector(".meal-today-badge");
      if (badge) badge.hidden = !isToday;
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", mark); else mark();
  document.addEventListener("htmx:afterSettle", mark);
})();
