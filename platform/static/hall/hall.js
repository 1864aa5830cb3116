// Small behaviours every page may use, kept out of the templates so the Content-Security-Policy can
// forbid inline script (script-src 'self'). Each one is opt-in through a data- attribute.
(function () {
  "use strict";

  // <a data-history-back href="/">: back to the previous page when there is one; the href otherwise.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("a[data-history-back]") : null;
    if (link && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });

  // <form data-submit-once>: a second click while the first is on its way would still make one
  // petition (submission_id); disabling the button just saves the citizen the wait. Disabled after
  // the submit event, so the button's own name and value are still sent.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-submit-once") || event.defaultPrevented) { return; }
    window.setTimeout(function () {
      Array.prototype.forEach.call(form.querySelectorAll("button[type=submit]"), function (button) {
        button.disabled = true;
      });
    }, 0);
  });
})();

// <p class="char-count" data-count-for="id" data-template="… {n} …" data-over="… {n} …">: a live
// count of what is typed in the field with that id against its data-maxlength. Nothing is cut (the
// input has no maxlength): the count says when there is too much, and the server refuses it.
(function () {
  "use strict";
  function update(counter, field) {
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    var length = Array.from ? Array.from(field.value).length : field.value.length;
    var over = length - limit;
    if (over > 0) {
      counter.textContent = counter.getAttribute("data-over").replace("{n}", String(over));
      counter.classList.add("over");
      field.setAttribute("aria-invalid", "true");
    } else {
      counter.textContent = counter.getAttribute("data-template").replace("{n}", String(length));
      counter.classList.remove("over");
    }
  }
  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-count-for]"), function (counter) {
      var field = document.getElementById(counter.getAttribute("data-count-for"));
      if (!field || !field.hasAttribute("data-maxlength")) { return; }
      counter.hidden = false;
      counter.setAttribute("aria-live", "polite");
      update(counter, field);
      field.addEventListener("input", function () { update(counter, field); });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();

// <button data-print>: print the page (the printable receipt); print CSS in hall.css.
document.addEventListener("click", function (event) {
  "use strict";
  var button = event.target.closest ? event.target.closest("[data-print]") : null;
  if (button) { window.print(); }
});
