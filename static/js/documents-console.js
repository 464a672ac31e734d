// Console document upload: show the upload's progress; the server then answers with the
// conversion task's progress partial, which polls itself.
(function () {
  "use strict";
  var form = document.getElementById("upload-form");
  var bar = document.getElementById("upload-progress");
  if (!form || !bar) return;
  form.addEventListener("htmx:xhr:progress", function (event) {
    if (!event.detail.lengthComputable) return;
    bar.hidden = false;
    bar.value = Math.round(event.detail.loaded * 100 / event.detail.total);
  });
  form.addEventListener("htmx:afterRequest", function (event) {
    bar.hidden = true;
    bar.value = 0;
    if (event.detail.successful) form.reset();
  });
})();
