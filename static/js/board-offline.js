// The board offline: while online, every board page refreshes the saved copy of the last 50 posts
// (/board/offline.json) and the empty page that shows it (/board/offline); the service worker keeps both
// (templates/pwa/sw.js, BOARD_CACHE). With no network the worker answers any board address with that page,
// and this script fills it from the copy: the list at /board, one post at /board/<id>, always under a
// "saved copy" banner with its time. Attachments are named but never stored: they need a connection.
(function () {
  "use strict";
  if (window.boardOffline) return;  // included again by a boosted swap: keep one set of listeners
  var COPY_URL = "/board/offline.json", PAGE_URL = "/board/offline";
  var REFRESH_MS = 60 * 1000;   // one download a minute at most, however fast pages are opened
  var KEY = "board-offline-synced";

  function sync(force) {
    if (!navigator.onLine) return Promise.resolve(null);
    var last = Number(sessionStorage.getItem(KEY) || 0);
    if (!force && Date.now() - last < REFRESH_MS) return Promise.resolve(null);
    var opts = { credentials: "same-origin", cache: "no-cache" };
    return Promise.all([fetch(COPY_URL, opts), fetch(PAGE_URL, opts), keepAssets()]).then(function (answers) {
      if (answers[0].ok && answers[1].ok) sessionStorage.setItem(KEY, String(Date.now()));
      return answers[0].ok ? answers[0].json() : null;
    }).catch(function () { return null; });
  }

  // This script and the board's stylesheet (content-hashed names) beside the copy: the service worker falls
  // back to them when the shell cache of a newer build does not have them.
  function keepAssets() {
    if (!window.caches) return Promise.resolve();
    var urls = Array.prototype.map.call(
      document.querySelectorAll('script[src*="/static/js/board-offline."], link[href*="/static/css/board."]'),
      function (node) { return (node.src || node.href).split("?")[0]; });
    return caches.open("board-v1").then(function (cache) { return cache.addAll(urls); }).catch(function () {});
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (all, name) { return name in values ? values[name] : all; });
  }

  function meta(post) {
    return [post.board, post.department || post.author, post.posted_at].filter(Boolean).join(" · ");
  }

  function renderList(root, copy, text) {
    var list = el("ul", "post-list");
    copy.posts.forEach(function (post) {
      var item = el("li", "post-item" + (post.important ? " important" : ""));
      var link = el("a", "post-link");
      link.href = "/board/" + post.id;
      link.setAttribute("hx-boost", "false");   // a real navigation, which the service worker answers
      var title = el("span", "post-title");
      if (post.important) { title.appendChild(el("span", "badge badge-important", text.important)); title.appendChild(document.createTextNode(" ")); }
      title.appendChild(document.createTextNode(post.title));
      link.appendChild(title);
      link.appendChild(el("span", "post-meta small muted", meta(post)));
      item.appendChild(link);
      list.appendChild(item);
    });
    root.appendChild(el("h1", "", text.title));
    root.appendChild(el("p", "small muted result-count", fill(text.total, { n: copy.posts.length })));
    root.appendChild(list);
  }

  function renderPost(root, post, text, listUrl) {
    var back = el("p", "small");
    var link = el("a", "", "‹ " + text.back);
    link.href = listUrl;
    link.setAttribute("hx-boost", "false");
    back.appendChild(link);
    root.appendChild(back);
    var article = el("article", "post card");
    var board = el("p", "small muted post-board", post.board);
    if (post.important) { board.appendChild(document.createTextNode(" ")); board.appendChild(el("span", "badge badge-important", text.important)); }
    article.appendChild(board);
    article.appendChild(el("h1", "", post.title));
    article.appendChild(el("p", "small post-facts", [post.author, post.department, post.posted_at].filter(Boolean).join(" · ")));
    var body = el("div", "post-body");
    body.innerHTML = post.body_html;   // stored sanitised by the server (core.board.html)
    article.appendChild(body);
    if (post.attachments.length) {
      var section = el("section", "post-attachments");
      section.appendChild(el("h2", "", text.attachments));
      section.appendChild(el("p", "small muted", text.needsNetwork));
      var files = el("ul", "attachment-list");
      post.attachments.forEach(function (name) { files.appendChild(el("li", "", name)); });
      section.appendChild(files);
      article.appendChild(section);
    }
    root.appendChild(article);
    document.title = post.title;
  }

  function render(root) {
    var text = JSON.parse(root.getAttribute("data-offline-text"));
    var listUrl = root.getAttribute("data-list-url") || "/board";
    fetch(COPY_URL, { credentials: "same-origin" }).then(function (response) {
      return response.ok ? response.json() : null;
    }).catch(function () { return null; }).then(function (copy) {
      root.textContent = "";
      if (!copy || !copy.posts) { root.appendChild(el("h1", "", text.title)); root.appendChild(el("p", "empty", text.noCopy)); return; }
      var banner = el("p", "banner saved-copy", fill(text.banner, { time: copy.generated_at }));
      banner.setAttribute("role", "status");
      root.appendChild(banner);
      root.appendChild(el("p", "small muted", text.offline));
      var match = /^\/board\/(\d+)\/?$/.exec(location.pathname);
      if (!match) { renderList(root, copy, text); return; }
      var post = copy.posts.filter(function (p) { return String(p.id) === match[1]; })[0];
      if (post) renderPost(root, post, text, listUrl);
      else { root.appendChild(el("h1", "", text.title)); root.appendChild(el("p", "empty", text.notSaved)); }
    });
  }

  function start() {
    var root = document.getElementById("board-offline");
    if (root && !root.hasAttribute("data-rendered")) {
      root.setAttribute("data-rendered", "");
      render(root);
    } else if (!root && document.querySelector("#board-results, article.post")) {
      sync(false);
    }
  }

  window.boardOffline = { sync: sync };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  // A boosted navigation swaps the body without reloading this script.
  document.addEventListener("htmx:afterSettle", start);
})();
