// The console's post editor: a toolbar (bold, italic, lists, link, headings) over an editable area, written
// back into the form's textarea on submit. No framework; without script the textarea alone is the editor.
// Whatever it produces is sanitised again on the server (core.board.html), so this is only a convenience.
(function () {
  "use strict";
  var TOOLS = [
    ["bold", "B", "굵게"], ["italic", "I", "기울임"], ["h2", "H2", "큰 제목"], ["h3", "H3", "작은 제목"],
    ["insertUnorderedList", "•", "글머리 목록"], ["insertOrderedList", "1.", "번호 목록"], ["link", "URL", "링크"],
  ];

  function run(area, tool) {
    area.focus();
    if (tool === "h2" || tool === "h3") { document.execCommand("formatBlock", false, tool); return; }
    if (tool === "link") {
      var url = window.prompt(area.getAttribute("data-link-prompt") || "URL", "https://");
      if (url && /^(https?:|mailto:|tel:)/i.test(url)) document.execCommand("createLink", false, url);
      return;
    }
    document.execCommand(tool, false, null);
  }

  function enhance(source) {
    if (source.hasAttribute("data-enhanced")) return;
    source.setAttribute("data-enhanced", "");
    var labels = JSON.parse(source.getAttribute("data-tool-labels") || "{}");
    var toolbar = document.createElement("div");
    toolbar.className = "editor-toolbar";
    toolbar.setAttribute("role", "toolbar");
    toolbar.setAttribute("aria-label", labels.toolbar || "서식");
    var area = document.createElement("div");
    area.className = "editor-area";
    area.contentEditable = "true";
    area.setAttribute("role", "textbox");
    area.setAttribute("aria-multiline", "true");
    area.setAttribute("aria-labelledby", "body-label");
    area.setAttribute("aria-describedby", "body-hint");
    area.setAttribute("data-link-prompt", labels.linkPrompt || "URL");
    area.innerHTML = source.value;
    TOOLS.forEach(function (tool) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn btn-small";
      // The glyph is for the eye, the name for everyone (and the tooltip): H2 reads as "큰 제목".
      var glyph = document.createElement("span");
      glyph.setAttribute("aria-hidden", "true");
      glyph.textContent = tool[1];
      var name = document.createElement("span");
      name.className = "visually-hidden";
      name.textContent = labels[tool[0]] || tool[2];
      button.appendChild(glyph);
      button.appendChild(name);
      button.title = name.textContent;
      // mousedown would move the focus (and the selection) out of the area before the command runs
      button.addEventListener("mousedown", function (event) { event.preventDefault(); });
      button.addEventListener("click", function () { run(area, tool[0]); });
      toolbar.appendChild(button);
    });
    source.hidden = true;
    source.removeAttribute("required");
    source.parentNode.insertBefore(toolbar, source);
    source.parentNode.insertBefore(area, source);
    source.form.addEventListener("submit", function () { source.value = area.innerHTML; });
    // The label now names the editable area.
    var label = document.querySelector('label[for="' + source.id + '"]');
    if (label) label.addEventListener("click", function () { area.focus(); });
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("textarea.body-source"), enhance);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
  document.addEventListener("htmx:afterSettle", start);
})();
