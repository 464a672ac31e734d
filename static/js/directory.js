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

  document.addEventListener("htmx:load", refresh);
  window.gyDirectory = {refresh: refresh};
  refresh();
})();
