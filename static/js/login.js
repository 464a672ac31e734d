/* The login page: whoever signed in before in this tab must leave nothing to page back into.
 * htmx keeps copies of boosted pages in sessionStorage (its history cache) and would show them on "back"
 * without asking the server; the server's no-store and Clear-Site-Data cannot reach that copy. */
"use strict";
try {
  window.sessionStorage.removeItem("htmx-history-cache");
} catch (e) { /* storage disabled: nothing was kept */ }
