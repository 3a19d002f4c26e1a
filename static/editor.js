// Progressive enhancements for the lesson form; everything works without this file.
(function () {
  "use strict";
  var form = document.querySelector("form.lesson-form");
  if (!form) { return; }

  // Show the context field for context-dependent lessons, the active elements for generic ones.
  var radios = form.querySelectorAll("input[name=type]");
  function syncType() {
    var checked = form.querySelector("input[name=type]:checked");
    var type = checked ? checked.value : "";
    form.querySelectorAll(".when-context").forEach(function (el) { el.classList.toggle("js-hidden", type === "generic"); });
    form.querySelectorAll(".when-generic").forEach(function (el) { el.classList.toggle("js-hidden", type === "context-dependent"); });
  }
  radios.forEach(function (r) { r.addEventListener("change", syncType); });
  syncType();

  // Live preview: the server renders and sanitises; we only insert its answer.
  var body = form.querySelector("textarea#body");
  var target = document.getElementById("preview-body");
  var token = form.querySelector("input[name=csrf_token]");
  if (!body || !target || !token) { return; }
  var timer = null;
  function refresh() {
    var data = new FormData();
    data.append("csrf_token", token.value);
    data.append("body", body.value);
    fetch(body.getAttribute("data-preview-url"), { method: "POST", body: data, credentials: "same-origin" })
      // 422: the server explains why it will not render this text; show that instead.
      .then(function (r) { return r.ok || r.status === 422 ? r.text() : Promise.reject(r.status); })
      .then(function (html) { target.innerHTML = html; })
      .catch(function () { /* keep the last preview; the preview button still works */ });
  }
  body.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(refresh, 400); });
  refresh();
})();
