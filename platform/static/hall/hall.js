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
