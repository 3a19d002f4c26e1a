// Loads "Vergelijkbare lessen" after the lesson is shown; without JavaScript the link remains.
(function () {
  "use strict";
  var box = document.querySelector("section.related[data-fragment]");
  if (!box) { return; }
  fetch(box.getAttribute("data-fragment"), { credentials: "same-origin" })
    .then(function (r) { return r.ok ? r.text() : Promise.reject(r.status); })
    .then(function (html) {
      var heading = box.querySelector("h2");
      box.innerHTML = "";
      box.appendChild(heading);
      box.insertAdjacentHTML("beforeend", html);
    })
    .catch(function () { /* keep the link */ });
})();
