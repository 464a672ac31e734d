// Directory page: voice input with the browser's SpeechRecognition (ko-KR), and recording
// which contact was called. Loaded from the page body so hx-boost navigation runs it too,
// hence the guard and the delegated listeners. No inline script anywhere (CSP).
(function () {
  "use strict";
  if (window.gyDirectory) { window.gyDirectory.refresh(); return; }
  var Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  var csrf = document.querySelector('meta[name="csrf-token"]');
  var listening = null;

  function refresh() {
    var mic = document.getElementById("voice-mic");
    if (mic) mic.hidden = !Recognition;  // no SpeechRecognition: typed text only
  }

  function setStatus(text) {
    var status = document.getElementById("voice-status");
    if (status) status.textContent = text;
  }

  function submitVoice() {
    var form = document.getElementById("voice-form");
    if (!form) return;
    if (form.requestSubmit) form.requestSubmit(); else form.submit();
  }

  function listen(mic) {
    if (listening) { listening.stop(); return; }
    var input = document.getElementById("transcript");
    var rec = new Recognition();
    rec.lang = "ko-KR";
    rec.interimResults = true;
    rec.maxAlternatives = 1;
    listening = rec;
    mic.setAttribute("aria-pressed", "true");
    setStatus(mic.dataset.listening);
    rec.onresult = function (event) {
      var text = "";
      var final = false;
      for (var i = 0; i < event.results.length; i++) {
        text += event.results[i][0].transcript;
        if (event.results[i].isFinal) final = true;
      }
      if (input) input.value = text;
      if (final) { setStatus(""); submitVoice(); }
    };
    rec.onerror = function () { setStatus(mic.dataset.failed); };
    rec.onend = function () { listening = null; mic.setAttribute("aria-pressed", "false"); };
    try { rec.start(); } catch (e) { listening = null; setStatus(mic.dataset.failed); }
  }

  document.addEventListener("click", function (event) {
    var mic = event.target.closest && event.target.closest("#voice-mic");
    if (mic && Recognition) { event.preventDefault(); listen(mic); return; }
    var link = event.target.closest && event.target.closest("a[data-recent]");
    if (link && window.fetch) {
      // keepalive lets the request finish while the phone app takes over for tel:/sms:.
      fetch(link.dataset.recent, {
        method: "POST", keepalive: true, credentials: "same-origin",
        headers: {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": csrf ? csrf.content : ""},
        body: "action=" + encodeURIComponent(link.dataset.action || "call")
      }).catch(function () { /* offline: the call still goes through */ });
    }
  });


  // --- Voice offline: parse_spoken and _candidates of core/directory, over the phone's copy ----
  // The word lists and thresholds come from the snapshot (core/offline_snapshot.py rules).
  function cutRequest(r, text) {
    var first = r.verbFirst.exec(text);
    if (first && text.length > first[0].length) text = text.slice(first[0].length);
    for (;;) {
      var cut = -1;
      r.w.action_words.forEach(function (w) { cut = Math.max(cut, text.lastIndexOf(w)); });
      if (cut <= 0) break;
      text = text.slice(0, cut);
    }
    var changed = true;
    while (changed) {
      changed = false;
      r.w.leading_fillers.forEach(function (f) {
        if (text.indexOf(f) === 0 && text.length > f.length + 1) { text = text.slice(f.length); changed = true; }
      });
      r.w.trailing_fillers.forEach(function (f) {
        if (text.slice(-f.length) === f && text.length > f.length + 1) { text = text.slice(0, -f.length); changed = true; }
      });
    }
    return text;
  }

  function extensionIn(r, read, text) {
    var m = r.digitsIn.exec(text);
    if (m) return [m[1], text.slice(0, m.index) + text.slice(m.index + m[0].length)];
    for (var i = 0; i < r.w.digit_markers.length; i++) {
      var at = text.indexOf(r.w.digit_markers[i]);
      if (at === -1) continue;
      var said = read.spokenDigits(r, read.numberTail(r, text.slice(at + r.w.digit_markers[i].length)));
      if (said.length >= 3) return [said, text.slice(0, at)];
    }
    var bare = read.spokenDigits(r, text.replace(/(번으로|번에|번)$/, ""));
    return bare.length >= 4 ? [bare, ""] : ["", text];
  }

  function givenName(r, name) {
    if (name.length >= 4 && r.w.compound_surnames.indexOf(name.slice(0, 2)) >= 0) return name.slice(2);
    return name.length >= 2 ? name.slice(1) : name;
  }

  function voiceMatch(read, current, transcript) {
    var r = read.reader(current);
    if (!r) return null;  // a copy taken before the rules were shipped
    var parsed = { name: "", department: "", title: "", extension: "", members: null, online: false };
    var text = read.compact(String(transcript).slice(0, 200));
    var normalized = text;
    text = cutRequest(r, text);
    var peeled = read.stripPersonWords(r, text, true);
    text = peeled[0]; parsed.title = peeled[1];
    var ext = extensionIn(r, read, text);
    parsed.extension = ext[0]; text = ext[1];
    for (var k = 0; k < r.keyList.length; k++) {
      var at = text.indexOf(r.keyList[k].key);
      if (at !== -1) {
        parsed.department = r.keyList[k].name; parsed.members = r.keyList[k].members;
        text = text.slice(0, at) + text.slice(at + r.keyList[k].key.length);
        break;
      }
    }
    peeled = read.stripPersonWords(r, text, true);
    var query = peeled[0];
    parsed.title = parsed.title || peeled[1];
    var scores = new Map();
    function add(e, score) {
      if (parsed.members) score += read.inDepartment(parsed.members, e) ? 20 : -30;
      if (parsed.title && e.title) score += e.title === parsed.title ? 5 : -5;
      if (!scores.has(e) || scores.get(e) < score) scores.set(e, score);
    }
    var entries = current.entries;
    if (parsed.extension) entries.forEach(function (e) {
      if (e.extension === parsed.extension) add(e, 100);
      else if (e._digits.indexOf(parsed.extension) >= 0 ||
               (parsed.extension.length >= 7 && e._digits.some(function (d) { return d.indexOf(parsed.extension) >= 0; }))) add(e, 90);
    });
    if (query) {
      var best = "";
      entries.forEach(function (e) {
        if (e._name.length >= 2 && e._name.length > best.length && query.indexOf(e._name) >= 0) best = e._name;
      });
      var word = read.stripPersonWords(r, query, false)[0];
      if (best) {
        parsed.name = best;
        entries.forEach(function (e) { if (e._name === best) add(e, 100); });
      } else {
        entries.forEach(function (e) {
          if (e.kind === "staff" && word.length >= 2 && givenName(r, e._name) === word) { parsed.name = word; add(e, 70); }
        });
        // A misheard name (jamo distance) is matched on the server only.
        if (!scores.size && /^[\uac00-\ud7a3]{2,5}$/.test(word)) parsed.online = true;
      }
    }
    if (!scores.size && parsed.members && !query) entries.forEach(function (e) {
      if (!read.inDepartment(parsed.members, e)) return;
      if (parsed.title) add(e, e.title === parsed.title ? 75 : 30);
      else add(e, read.isMainLine(e) ? 60 : 40);
    });
    if (!scores.size && parsed.members && query) {
      var inside = entries.filter(function (e) { return read.inDepartment(parsed.members, e) && read.tokenScore(e, query); });
      inside.forEach(function (e) {
        add(e, Math.max(Math.min(read.tokenScore(e, query) * 0.75, 75), inside.length === 1 ? rules(r).call_min_score - 20 : 0));
      });
    }
    if (!scores.size) {
      read.find(query || normalized, current).results.slice(0, rules(r).candidates).forEach(function (e) {
        add(e, Math.min(read.tokenScore(e, read.compact(query || normalized)) * 0.75 || 40, 75));
      });
    }
    var ordered = [];
    scores.forEach(function (score, e) { ordered.push({ entry: e, score: score }); });
    ordered.sort(read.byScore);
    ordered = ordered.slice(0, rules(r).candidates);
    var top = ordered.length ? ordered[0].score : 0, next = ordered.length > 1 ? ordered[1].score : -1e9;
    var action = !ordered.length ? "none" :
      top >= rules(r).call_min_score && top - next >= rules(r).call_margin ? "call" : "choose";
    return { parsed: parsed, candidates: ordered, action: action };
  }

  function rules(r) { return r.rules.voice; }

  function renderVoice(read, answer, box) {
    var say = read.say, el = read.el;
    box.textContent = "";
    box.appendChild(el("p", "small muted", say(answer ? "voiceOffline" : "voiceNoRules")));
    if (!answer) return;
    var p = answer.parsed, heard = el("p", "small muted voice-parsed", say("heard") + ": ");
    [["chipDept", p.department], ["chipName", p.name], ["chipTitle", p.title], ["chipExt", p.extension]]
      .forEach(function (chip) { if (chip[1]) heard.appendChild(el("span", "chip", say(chip[0]) + " " + chip[1])); });
    box.appendChild(heard);
    if (answer.action === "call") {
      var top = answer.candidates[0].entry, number = top.phone || top.mobile;
      if (number) {
        var call = el("a", "btn btn-primary btn-block call-now");
        call.id = "voice-call";
        call.href = "tel:" + read.digits(number);
        call.appendChild(el("span", "", say("voiceCall", { name: top.name, title: top.title || "" })));
        call.appendChild(el("span", "call-number", number));
        box.appendChild(call);
      }
    } else if (answer.action === "choose") {
      box.appendChild(el("p", "voice-choose", say("voiceChoose")));
    } else {
      box.appendChild(el("p", "empty", say("voiceNone")));
    }
    var list = el("ul", "contacts");
    answer.candidates.forEach(function (c) { list.appendChild(read.renderEntry(c.entry)); });
    if (answer.candidates.length) box.appendChild(list);
  }

  function voiceOffline() {
    var read = window.directoryOffline && window.directoryOffline.reading;
    var input = document.getElementById("transcript"), box = document.getElementById("voice-result");
    if (!read || !input || !box) return Promise.resolve(null);
    return read.loadStored().then(function (current) {
      if (!current) { box.textContent = ""; box.appendChild(read.el("p", "muted", read.say("noCopy"))); return null; }
      var answer = input.value.trim() ? voiceMatch(read, current, input.value) : null;
      renderVoice(read, answer, box);
      return answer;
    });
  }

  function fromVoiceForm(event) {
    var elt = event.detail && event.detail.elt, form = document.getElementById("voice-form");
    return !!(form && elt && (elt === form || form.contains(elt)));
  }

  // Offline, 찾기 answers from the copy on the phone instead of doing nothing.
  document.addEventListener("htmx:beforeRequest", function (event) {
    if (!navigator.onLine && fromVoiceForm(event)) { event.preventDefault(); voiceOffline(); }
  });
  ["htmx:sendError", "htmx:timeout"].forEach(function (name) {
    document.addEventListener(name, function (event) { if (fromVoiceForm(event)) voiceOffline(); });
  });
  document.addEventListener("submit", function (event) {
    if (event.target.id === "voice-form" && !navigator.onLine) { event.preventDefault(); voiceOffline(); }
  }, true);

  // For the browser tests: the phone's answer to a transcript, in the server's JSON shape.
  function voiceAnswer(transcript) {
    var read = window.directoryOffline.reading;
    return read.loadStored().then(function (current) {
      var answer = current && voiceMatch(read, current, transcript);
      if (!answer) return null;
      return { action: answer.action, parsed: { department: answer.parsed.department, name: answer.parsed.name,
               title: answer.parsed.title, extension: answer.parsed.extension, online: answer.parsed.online },
               candidates: answer.candidates.map(function (c) {
                 return { name: c.entry.name, department: c.entry.department, score: c.score };
               }) };
    });
  }

  // After "더 보기", focus moves to the first new row rather than being lost with the removed button.
  document.addEventListener("htmx:afterSettle", function () {
    var first = document.querySelector("#directory-list [data-first-more]");
    if (first) { first.removeAttribute("data-first-more"); first.focus(); }
  });

  document.addEventListener("htmx:load", refresh);
  window.gyDirectory = {refresh: refresh, voice: voiceAnswer};
  refresh();
})();
