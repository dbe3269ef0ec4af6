/* Chengyi Tracker: small progressive enhancements. Every page works without them. */
(function () {
  "use strict";
  // Forms that ask for confirmation before a destructive action: <form data-confirm="...">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  });
  // Selects that submit their form on change: <select data-autosubmit>.
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.hasAttribute && target.hasAttribute("data-autosubmit") && target.form) {
      target.form.requestSubmit ? target.form.requestSubmit() : target.form.submit();
    }
  });
  // After a refused submit, put the keyboard focus on the first field to correct.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector("main [aria-invalid='true']");
    if (invalid && typeof invalid.focus === "function") {
      invalid.focus();
    }
  });
  // Buttons that print the page: <button data-print>.
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-print]") : null;
    if (target) {
      event.preventDefault();
      window.print();
    }
  });
})();
