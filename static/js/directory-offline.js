// The offline directory: keeps a copy of /api/directory/snapshot in IndexedDB and, when the
// network is gone, searches it on the phone with the same result markup as the server.
// Loaded on every signed-in page (templates/base.html) because boosted navigation does not
// run scripts from a page's <head>; it only acts where the directory page's elements exist.
(function () {
  "use strict";
  if (window.directoryOffline) return;  // included twice: keep one set of listeners

  var SNAPSHOT_URL = "/api/directory/snapshot";
  var DB_NAME = "directory-offline", STORE = "snapshot";
  var REFRESH_MS = 3 * 60 * 60 * 1000;  // ask the server at most every three hours
  var PAGE = 20;  // rows a window shows, as the server's page does (blueprints/directory/routes.py)
  var CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ";
  var CONSONANTS = "ㄱㄲㄳㄴㄵㄶㄷㄸㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅃㅄㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ";

  var snapshot = null;   // {entries, generated_at, etag, checked_at}, with a search index added
  var syncing = null, asking = false;

  // --- IndexedDB -------------------------------------------------------------------------
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () { request.result.createObjectStore(STORE); };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function dbRequest(mode, action) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(STORE, mode);
        var request = action(tx.objectStore(STORE));
        tx.oncomplete = function () { db.close(); resolve(request.result); };
        tx.onerror = tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  // Two records: the entries, written only when they change, and the small "meta" record
  // (ETag, when taken, when last checked) that every check rewrites.
  function loadStored() {
    if (snapshot) return Promise.resolve(snapshot);
    return dbRequest("readonly", function (store) { return store.get("meta"); }).then(function (meta) {
      if (!meta) return null;
      return dbRequest("readonly", function (store) { return store.get("entries"); }).then(function (entries) {
        if (entries && !snapshot) { meta.entries = entries; snapshot = index(meta); }
        return snapshot;
      });
    }).catch(function () { return null; });
  }

  function metaOf(record) {
    return { generated_at: record.generated_at, count: record.count, include_mobile: record.include_mobile,
             etag: record.etag, version: record.version || null, checked_at: record.checked_at,
             rules: record.rules || null };
  }

  function saveMeta(record) {
    return dbRequest("readwrite", function (s) { return s.put(metaOf(record), "meta"); });
  }

  // Entries and meta in one transaction: a delta is asked for by the meta's version, so the stored
  // entries must never be of another version than the meta says.
  function save(record) {
    return dbRequest("readwrite", function (s) { s.put(record.entries, "entries"); return s.put(metaOf(record), "meta"); })
      .catch(function () { /* storage refused (private mode, quota): the copy lives in memory only */ });
  }

  // The version the copy is of: the body's, or for a copy stored before deltas, its ETag unquoted.
  function versionOf(record) {
    if (!record) return "";
    if (record.version) return record.version;
    return String(record.etag || "").replace(/^W\//, "").replace(/"/g, "");
  }

  // The entries as the server sent them: the search index fields (_name, …) are not stored.
  function plain(entry) {
    var out = {};
    Object.keys(entry).forEach(function (key) { if (key.charAt(0) !== "_") out[key] = entry[key]; });
    return out;
  }

  // A delta (core/offline_snapshot.py): whole entries for those added or changed, ids for those removed.
  // Null when it does not fit the copy held, and then the full copy is fetched.
  function merge(current, body) {
    if (!current || body.since !== versionOf(current) || body.include_mobile !== current.include_mobile) return null;
    var gone = {};
    (body.removed || []).forEach(function (id) { gone[id] = true; });
    (body.changed || []).forEach(function (e) { gone[e.id] = true; });
    var entries = current.entries.filter(function (e) { return !gone[e.id]; }).map(plain).concat(body.changed || []);
    if (entries.length !== body.count) return null;
    // The server's order (name, then id); search results do not depend on it.
    entries.sort(function (a, b) { return a.name < b.name ? -1 : a.name > b.name ? 1 : a.id - b.id; });
    return { entries: entries, rules: "rules" in body ? body.rules : current.rules };
  }

  // --- Download ----------------------------------------------------------------------------
  // force: ask the server now. A sync already under way is joined, unless it found its copy recent enough
  // not to ask: then the server is asked after it.
  function sync(force) {
    if (syncing) return force && !asking ? syncing.then(function () { return sync(true); }) : syncing;
    if (!navigator.onLine) return loadStored();
    asking = false;
    syncing = loadStored().then(function (current) {
      if (current && !force && Date.now() - current.checked_at < REFRESH_MS) return current;
      asking = true;
      return fetchCopy(current, true);
    });
    syncing.then(function () { syncing = null; }, function () { syncing = null; });
    return syncing;
  }

  // With a copy, asks only for what changed since its version (?since=); the answer says whether it is
  // a delta to merge or the full copy to replace it with (unknown version, another mobile setting, most
  // entries changed).
  function fetchCopy(current, deltaWanted) {
    var headers = { Accept: "application/json" };
    var version = deltaWanted ? versionOf(current) : "";
    if (current && current.etag) headers["If-None-Match"] = current.etag;
    var url = version ? SNAPSHOT_URL + "?since=" + encodeURIComponent(version) : SNAPSHOT_URL;
    return fetch(url, { headers: headers, credentials: "same-origin" }).then(function (response) {
      var checked = Date.now();
      // The copy is as fresh as the server's answer, whatever time the body was built.
      var date = Date.parse(response.headers.get("Date") || "");
      var answeredAt = isNaN(date) ? null : new Date(date).toISOString();
      if (response.status === 304 && current) {
        current.generated_at = answeredAt || new Date(checked).toISOString();
        current.checked_at = checked;
        return saveMeta(current).catch(function () { /* see save() */ }).then(function () { return current; });
      }
      if (!response.ok) return current;
      return response.json().then(function (body) {
        var entries = body.entries, rules = body.rules || null;
        if (body.mode === "delta") {
          var merged = merge(current, body);
          if (!merged) return deltaWanted ? fetchCopy(current, false) : current;
          entries = merged.entries;
          rules = merged.rules;
        }
        var record = { entries: entries, generated_at: answeredAt || body.generated_at, count: body.count,
                       include_mobile: body.include_mobile, etag: response.headers.get("ETag"),
                       version: body.version || null, checked_at: checked, rules: rules };
        // Saved before indexing, so the stored copy carries no index fields.
        return save(record).then(function () { snapshot = index(record); return snapshot; });
      });
    }).catch(function () { return current; });
  }

  // --- Search ------------------------------------------------------------------------------
  function compact(text) {
    return String(text || "").toLowerCase().replace(/[^0-9a-z\u3131-\u318e\uac00-\ud7a3]/g, "");
  }

  function digits(text) { return String(text || "").replace(/\D/g, ""); }

  function isConsonant(ch) { return CONSONANTS.indexOf(ch) >= 0; }

  function initialOf(ch) {
    var code = ch.charCodeAt(0) - 0xac00;
    return code >= 0 && code <= 11171 ? CHOSEONG.charAt(Math.floor(code / 588)) : ch;
  }

  function index(record) {
    record.entries.forEach(function (e) {
      e._name = compact(e.name);
      // Positions must line up with the compact name, so spaces go from the initials too.
      e._initials = e.initials ? compact(e.initials) : e._name.split("").map(initialOf).join("");
      e._dept = compact(e.department);
      e._deptKey = compact(e.dept_key);
      e._title = compact(e.title);
      e._duty = compact(e.duty);
      e._org = compact(e.organization);
      e._digits = [digits(e.phone), digits(e.mobile)];
    });
    return record;
  }

  // "김ㅁㅈ" against "김민준": a syllable must match itself, a lone consonant the initial.
  function mixedAt(name, initials, query, start) {
    for (var i = 0; i < query.length; i++) {
      var q = query.charAt(i);
      if (isConsonant(q) ? initials.charAt(start + i) !== q : name.charAt(start + i) !== q) return false;
    }
    return true;
  }

  function nameScore(e, q) {
    if (e._name === q) return 100;
    if (e._name.length > 1 && e._name.slice(1) === q) return 95;   // the given name alone
    if (e._name.indexOf(q) === 0) return 90;
    if (e._name.indexOf(q) > 0) return 70;
    var hasConsonant = false;
    for (var i = 0; i < q.length; i++) if (isConsonant(q.charAt(i))) { hasConsonant = true; break; }
    if (!hasConsonant || q.length > e._name.length) return 0;
    if (q.length === e._name.length && mixedAt(e._name, e._initials, q, 0)) return 85;
    if (mixedAt(e._name, e._initials, q, 0)) return 80;
    for (var start = 1; start + q.length <= e._name.length; start++) {
      if (mixedAt(e._name, e._initials, q, start)) return 60;
    }
    return 0;
  }

  function fieldScore(value, q, exact, prefix, contains) {
    if (!value) return 0;
    if (value === q) return exact;
    var at = value.indexOf(q);
    return at === 0 ? prefix : at > 0 ? contains : 0;
  }

  function tokenScore(e, q) {
    var best = nameScore(e, q);
    if (/^\d+$/.test(q)) {
      best = Math.max(best, fieldScore(e.extension, q, 98, 75, 0));
      if (q.length >= 3) {
        for (var i = 0; i < e._digits.length; i++) {
          var at = e._digits[i].indexOf(q);
          if (at >= 0) best = Math.max(best, at + q.length === e._digits[i].length ? 65 : 55);
        }
      }
      return best;
    }
    return Math.max(best,
      fieldScore(e._dept, q, 78, 68, 50), fieldScore(e._deptKey, q, 78, 68, 50),
      fieldScore(e._title, q, 52, 48, 40), fieldScore(e._duty, q, 46, 44, 42),
      fieldScore(e._org, q, 36, 34, 30));
  }

  // Every word must match somewhere ("교통정책과 김민준"); the query written without spaces
  // also counts whole ("교통 정책과" is the department "교통정책과").
  function plainSearch(query, entries) {
    var whole = compact(query);
    if (!whole) return [];
    var words = splitWords(query);
    var scored = [];
    entries.forEach(function (e) {
      var score = tokenScore(e, whole);
      if (words.length > 1) score = Math.max(score, allWords(e, words));
      if (score > 0) scored.push({ entry: e, score: score });
    });
    return scored;
  }

  function splitWords(query) {
    return String(query || "").split(/[^0-9A-Za-z\u3131-\u318e\uac00-\ud7a3]+/).map(compact).filter(Boolean);
  }

  function allWords(e, words) {
    var sum = 0;
    for (var i = 0; i < words.length; i++) {
      var s = tokenScore(e, words[i]);
      if (!s) return 0;
      sum += s;
    }
    return sum / words.length + 1;
  }

  // --- Reading a request: the server's rules (core/directory/query.py), shipped in the snapshot --
  function escapeRe(text) { return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"); }
  function anyOf(list) { return "(?:" + list.map(escapeRe).join("|") + ")"; }

  // The patterns and the department keys, built once per snapshot from its rules.
  function reader(current) {
    var rules = current && current.rules;
    if (!rules || !rules.words) return null;
    if (current._reader) return current._reader;
    var w = rules.words;
    var keys = {};
    (rules.departments || []).forEach(function (d) {
      d.keys.forEach(function (key) {
        var item = keys[key] || (keys[key] = { key: key, name: d.name, members: {} });
        item.members[d.organization + "\u0001" + d.name] = true;
      });
    });
    var byLength = Object.keys(keys).sort(function (a, b) { return b.length - a.length; });
    var names = Object.create(null);
    current.entries.forEach(function (e) { names[e._name] = true; });
    current._reader = {
      w: w, rules: rules, keys: keys, names: names, keyList: byLength.map(function (k) { return keys[k]; }),
      request: new RegExp("^" + anyOf(w.action_words) + "+" + anyOf(w.request_endings) + "*$"),
      endings: new RegExp("^" + anyOf(w.request_endings) + "+$"),
      verbFirst: new RegExp("^" + anyOf(w.action_words) + "+" + anyOf(w.request_endings) + "*"),
      glued: new RegExp("^" + anyOf(w.digit_markers) + "?(\\d{3,})" +
                        anyOf(w.number_endings.filter(function (e) { return e.charAt(0) === "번"; })) + "?$"),
      digitsIn: new RegExp(anyOf(w.digit_markers) + "?(\\d{3,})(?:번으로|번에|번)?")
    };
    return current._reader;
  }

  function has(list, word) { return list.indexOf(word) >= 0; }

  function stripSuffix(word, list, minLeft) {
    for (var i = 0; i < list.length; i++) {
      var s = list[i];
      if (word.length - s.length >= minLeft && word.slice(-s.length) === s) return [word.slice(0, -s.length), s];
    }
    return [word, ""];
  }

  // Particles, honorifics (and for voice titles) off the end in any order: [rest, title].
  // "김하랑" is not "김하" + the particle 랑: peeling stops at a whole name (ends_with_name).
  function endsWithName(r, text) {
    for (var k = 2; k <= Math.min(text.length, 5); k++) if (r.names[text.slice(-k)] === true) return true;
    return false;
  }

  function stripPersonWords(r, text, withTitles) {
    var groups = withTitles ? [r.w.particles, r.w.honorifics, r.w.titles] : [r.w.particles, r.w.honorifics];
    var title = "", changed = true;
    while (changed && text) {
      changed = false;
      for (var g = 0; g < groups.length; g++) {
        if (endsWithName(r, text)) return [text, title];
        var cut = stripSuffix(text, groups[g], 1);
        if (cut[1]) {
          if (g === 2 && !title) title = cut[1];
          text = cut[0]; changed = true;
        }
      }
    }
    return [text, title];
  }

  function spokenDigits(r, text) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var ch = text.charAt(i);
      if (/\d/.test(ch)) out += ch;
      else if (r.w.digit_words[ch] !== undefined) out += r.w.digit_words[ch];
      else return "";
    }
    return out;
  }

  function numberTail(r, text) {
    for (var i = 0; i < r.w.number_endings.length; i++) {
      var e = r.w.number_endings[i];
      if (text.length > e.length && text.slice(-e.length) === e) return text.slice(0, -e.length);
    }
    return text;
  }

  function exactDepartment(r, word) { return r.keys.hasOwnProperty(word) ? r.keys[word] : null; }

  // parse_typed: {words, dropped, department, members, extension}.
  function parseTyped(r, query) {
    var parsed = { words: [], dropped: [], department: "", members: null, extension: "" };
    var afterMarker = false;
    splitWords(query).forEach(function (word) {
      var glued = r.glued.exec(word);
      var spoken = afterMarker ? spokenDigits(r, numberTail(r, word)) : "";
      if (glued || spoken.length >= 3) {
        parsed.extension = glued ? glued[1] : spoken;
        parsed.words.push(parsed.extension);
        afterMarker = false;
        if (word !== parsed.extension) parsed.dropped.push(word);
        return;
      }
      if (r.request.test(word) || r.endings.test(word) || has(r.w.leading_fillers, word) ||
          has(r.w.trailing_fillers, word)) { parsed.dropped.push(word); return; }
      var core = stripPersonWords(r, word, false)[0];
      if (has(r.w.particles, core) || has(r.w.honorifics, core) || has(r.w.generic_words, core)) {
        parsed.dropped.push(word);
        afterMarker = has(r.w.digit_markers, core);
        return;
      }
      afterMarker = false;
      if (core !== word) parsed.dropped.push(word);
      parsed.words.push(core);
    });
    var words = parsed.words, found = words.length > 1 ? exactDepartment(r, words.join("")) : null;
    if (found) { parsed.words = []; }
    else {
      var best = null;
      for (var i = 0; i < words.length; i++) {
        for (var span = 2; span >= 1; span--) {
          if (i + span > words.length) continue;
          var hit = exactDepartment(r, words.slice(i, i + span).join(""));
          if (hit && (!best || span > best.span)) best = { i: i, span: span, hit: hit };
        }
      }
      if (best) { found = best.hit; parsed.words = words.slice(0, best.i).concat(words.slice(best.i + best.span)); }
    }
    if (found) { parsed.department = found.name; parsed.members = found.members; }
    return parsed;
  }

  function inDepartment(members, e) { return !!members && members[e.organization + "\u0001" + e.department] === true; }

  function isMainLine(e) { return e.kind === "contact" && /대표전화$/.test(e.name); }

  // find() of core/directory/search.py: every match, and whether only some words matched.
  function find(query, current) {
    var entries = current.entries, r = reader(current);
    var parsed = r ? parseTyped(r, query) : { words: splitWords(query), dropped: [], members: null };
    var words = parsed.words, scored = null, partial = false;
    if (!parsed.dropped.length && !(parsed.members && words.length)) {
      scored = plainSearch(query, entries);
      if (!scored.length && words.length > 1) scored = null;
    }
    if (!scored) {
      var members = parsed.members;
      scored = [];
      if (members && !words.length) {
        entries.forEach(function (e) { if (inDepartment(members, e)) scored.push({ entry: e, score: isMainLine(e) ? 99 : 78 }); });
      } else if (words.length) {
        if (members) entries.forEach(function (e) {
          var s = inDepartment(members, e) ? allWords(e, words) : 0;
          if (s) scored.push({ entry: e, score: s });
        });
        if (!scored.length) {
          entries.forEach(function (e) {
            var s = words.length > 1 ? allWords(e, words) : tokenScore(e, words[0]);
            if (s) scored.push({ entry: e, score: s });
          });
          partial = !!members && scored.length > 0;
        }
        if (!scored.length && (words.length > 1 || members)) { scored = mostWords(entries, words, members); partial = true; }
      }
    }
    scored.sort(byScore);
    return { results: scored.map(function (item) { return item.entry; }), partial: partial && scored.length > 0,
             department: parsed.department || "" };
  }

  function mostWords(entries, words, members) {
    var best = 0, out = [];
    entries.forEach(function (e) {
      var n = 0, sum = 0;
      words.forEach(function (w) { var s = tokenScore(e, w); if (s) { n++; sum += s; } });
      if (!n || n < best) return;
      if (n > best) { best = n; out = []; }
      out.push({ entry: e, score: sum / words.length + (inDepartment(members, e) ? 20 : 0) });
    });
    return out;
  }

  // The server's default order among equal scores: staff first, then name, department, id.
  function byScore(a, b) {
    if (b.score !== a.score) return b.score - a.score;
    var x = a.entry, y = b.entry;
    var kx = x.kind === "contact" ? 1 : 0, ky = y.kind === "contact" ? 1 : 0;
    if (kx !== ky) return kx - ky;
    if (x.name !== y.name) return x.name < y.name ? -1 : 1;
    if (x.department !== y.department) return x.department < y.department ? -1 : 1;
    return x.id - y.id;
  }

  // --- Rendering (the same markup as templates/directory results) ---------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text) node.textContent = text;
    return node;
  }

  function action(href, label, text, className) {
    var a = el("a", className, text);
    a.href = href;
    a.setAttribute("aria-label", label);
    return a;
  }

  // Mirrors templates/directory/_contact.html; the name block is not a link offline because
  // the detail page is not stored on the phone.
  function renderEntry(e) {
    var li = el("li", "contact");
    var main = el("div", "contact-main");
    var line = el("span", "contact-line");
    line.appendChild(el("strong", "contact-name", e.name));
    if (e.title) { line.appendChild(document.createTextNode(" ")); line.appendChild(el("span", "contact-title", e.title)); }
    main.appendChild(line);
    var org = e.organization + (e.department && e.department !== e.organization ? " · " + e.department : "");
    main.appendChild(el("span", "contact-org", org));
    if (e.duty) main.appendChild(el("span", "contact-duty", e.duty));
    if (e.extension) main.appendChild(el("span", "contact-ext", say("ext", {ext: e.extension})));
    li.appendChild(main);
    var actions = el("div", "contact-actions");
    var who = {name: e.name, phone: e.phone};
    if (e.phone) actions.appendChild(action("tel:" + digits(e.phone), say("call", who), e.phone, "btn btn-call"));
    if (e.mobile) {
      // The accessible name contains the visible word ("휴대"), as WCAG 2.5.3 asks.
      who = {name: e.name, phone: e.mobile};
      actions.appendChild(action("tel:" + digits(e.mobile), say("callMobile", who), say("mobile"), "btn"));
      actions.appendChild(action("sms:" + digits(e.mobile), say("smsLabel", who), say("sms"), "btn"));
    }
    li.appendChild(actions);
    return li;
  }

  // The words come from the directory page (data-offline-text), in the reader's language.
  function say(key, values) {
    var form = document.getElementById("directory-search");
    var text = JSON.parse((form && form.dataset.offlineText) || "{}")[key] || "";
    return text.replace(/\{(\w+)\}/g, function (slot, name) {
      return values && name in values ? String(values[name]) : slot;
    });
  }

  function kst(iso) {
    var time = Date.parse(iso);
    if (isNaN(time)) return "";
    var d = new Date(time + 9 * 60 * 60 * 1000);  // Korea has no daylight saving time
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getUTCFullYear() + "-" + two(d.getUTCMonth() + 1) + "-" + two(d.getUTCDate()) + " " +
      two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
  }

  function showInfo(text) {
    var info = document.getElementById("snapshot-info");
    if (!info) return;
    info.textContent = text;
    info.hidden = false;
  }

  function hideInfo() {
    var info = document.getElementById("snapshot-info");
    if (info) info.hidden = true;
  }

  // One typed query asks twice (this script's input timer and htmx's own delayed request, refused offline), and
  // the stored copy is read asynchronously: only the latest call renders, and the same query over the same copy
  // is not drawn again, so the pages opened with 더 보기 stay (and two lists are never drawn into one box).
  var renderCalls = 0, rendered = null;

  function renderOffline(query) {
    var results = document.getElementById("directory-results");
    if (!results) return Promise.resolve();
    var call = ++renderCalls;
    return loadStored().then(function (current) {
      if (call !== renderCalls) return;   // a later call renders instead
      var key = compact(query) + "\n" + (current ? current.version : "");
      if (key === rendered && results.querySelector("#directory-list, .empty")) return;
      rendered = key;
      results.textContent = "";
      if (!current) {
        hideInfo();
        results.appendChild(el("p", "muted", say("noCopy")));
        return;
      }
      showInfo(say("copyOf", {time: kst(current.generated_at)}));
      if (!compact(query)) return;
      var found = find(query, current);
      var q = query.trim(), total = found.results.length;
      if (!total) {
        results.appendChild(el("p", "empty", say("none", {q: q})));
        return;
      }
      results.appendChild(el("p", "small muted result-count", say(total === 1 ? "foundOne" : "found", {q: q, n: total})));
      if (found.partial) {
        var note = el("p", "partial-note small", say("partial"));
        note.setAttribute("role", "status");
        results.appendChild(note);
      }
      var list = el("ul", "contacts");
      list.id = "directory-list";
      results.appendChild(list);
      appendRows(list, found.results, 0, false);
    });
  }

  // One window of PAGE rows, then a "더 보기" row that shows the next window in its place.
  function appendRows(list, all, offset, focusFirst) {
    var rows = all.slice(offset, offset + PAGE);
    rows.forEach(function (e, i) {
      var li = renderEntry(e);
      if (i === 0 && focusFirst) li.tabIndex = -1;
      list.appendChild(li);
      if (i === 0 && focusFirst) li.focus();
    });
    var shown = offset + rows.length;
    if (shown >= all.length) return;
    var row = el("li", "more-row");
    var button = el("button", "btn btn-block more-results", say("more") + " ");
    button.type = "button";
    button.appendChild(el("span", "muted small", "(" + shown + "/" + all.length + ")"));
    button.addEventListener("click", function () {
      list.removeChild(row);
      appendRows(list, all, shown, true);
    });
    row.appendChild(button);
    list.appendChild(row);
  }

  // --- Wiring ------------------------------------------------------------------------------
  function input() { return document.getElementById("directory-q"); }

  function onDirectoryPage() { return !!(document.getElementById("directory-search") && input()); }

  var timer = null;
  document.addEventListener("input", function (event) {
    if (event.target !== input() || navigator.onLine) return;
    clearTimeout(timer);
    timer = setTimeout(function () { renderOffline(input().value); }, 150);
  });

  document.addEventListener("submit", function (event) {
    if (event.target.id !== "directory-search" || navigator.onLine) return;
    event.preventDefault();
    renderOffline(input().value);
  }, true);

  function fromSearchForm(event) {
    var elt = event.detail && event.detail.elt;
    var form = document.getElementById("directory-search");
    return !!(form && elt && (elt === form || form.contains(elt)));
  }

  // Offline: do not even try the server.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!navigator.onLine && fromSearchForm(event)) {
      event.preventDefault();
      renderOffline(input().value);
    }
  });

  // The network or the server failed although the phone believed it was online.
  ["htmx:sendError", "htmx:responseError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function (event) {
      if (fromSearchForm(event)) renderOffline(input().value);
    });
  });

  // Fresh results from the server replace the offline notice.
  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.detail && event.detail.target && event.detail.target.id === "directory-results") {
      rendered = null;   // the server's results are in the box now
      hideInfo();
    }
  });

  function start() {
    if (!document.querySelector(".bottom-nav")) return;  // signed out: nothing to download
    if (onDirectoryPage() && !navigator.onLine) {
      // Offline, /directory?q=… is answered with the stored plain page: take the query from the URL.
      var wanted = new URLSearchParams(window.location.search).get("q");
      if (wanted && !input().value) input().value = wanted;
      renderOffline(input().value);
    }
    syncWhenIdle();
  }

  // The copy (about 200 KB the first time, then only what changed) is fetched once the page is usable: after its load event, when the browser is idle
  // (at most 3 s later), so it never competes with the first page's own styles, scripts and images.
  function syncWhenIdle() {
    function later() {
      if (window.requestIdleCallback) window.requestIdleCallback(function () { sync(false); }, { timeout: 3000 });
      else window.setTimeout(function () { sync(false); }, 500);
    }
    if (document.readyState === "complete") later();
    else window.addEventListener("load", later, { once: true });
  }

  window.addEventListener("online", function () { hideInfo(); sync(false); });
  window.addEventListener("offline", function () { if (onDirectoryPage()) renderOffline(input().value); });
  // Boosted navigation swaps the body without reloading scripts.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail && event.detail.boosted && onDirectoryPage() && !navigator.onLine) renderOffline(input().value);
  });
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();

  // For the browser tests and the console: the search runs on whatever copy is stored.
  window.directoryOffline = {
    sync: sync,
    search: function (query) {
      return loadStored().then(function (current) { return current ? find(query, current).results : []; });
    },
    find: function (query) {
      return loadStored().then(function (current) { return current ? find(query, current) : null; });
    },
    // For the voice matcher (static/js/directory.js): the same reading, scores and markup.
    reading: {
      reader: reader, stripPersonWords: stripPersonWords, spokenDigits: spokenDigits, numberTail: numberTail,
      compact: compact, digits: digits, tokenScore: tokenScore, find: find, byScore: byScore,
      inDepartment: inDepartment, isMainLine: isMainLine, renderEntry: renderEntry, say: say, el: el,
      loadStored: loadStored
    },
    snapshot: function () { return loadStored(); }
  };
})();
