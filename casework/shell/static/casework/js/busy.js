// Busy state on submit buttons: a form that takes a moment to send (Argon2, a booking) shows
// that it is being sent and is not sent twice by a second click. Without JavaScript the form
// posts as always; with htmx, the state ends when its request does.
(function () {
  "use strict";

  function busy(button) {
    button.setAttribute("aria-busy", "true");
    button.dataset.busy = "1";
  }

  function idle(form) {
    form.querySelectorAll('button[data-busy="1"]').forEach(function (button) {
      button.removeAttribute("aria-busy");
      delete button.dataset.busy;
    });
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || event.defaultPrevented) return;
    var button = event.submitter || form.querySelector('button[type="submit"], button:not([type])');
    if (!button) return;
    if (button.dataset.busy === "1") {
      event.preventDefault(); // the first click is on its way
      return;
    }
    busy(button);
    // A response that is a download leaves the page in place: free the button after a while.
    window.setTimeout(function () { idle(form); }, 10000);
  });

  // htmx requests end without a page load: free the button again.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target instanceof HTMLFormElement ? event.target : event.target.closest && event.target.closest("form");
    if (form) idle(form);
  });

  // Back/forward cache restores a page as it was left: with its button still busy.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) document.querySelectorAll("form").forEach(idle);
  });
})();
