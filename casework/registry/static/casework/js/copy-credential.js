// Copy buttons for a readonly text (a credential): shown only where scripts run; without them,
// the text itself is there to select and copy.
(function () {
  "use strict";
  function report(button, text) {
    const status = document.querySelector(
      '[data-copy-status-for="' + button.dataset.copyFrom + '"]'
    );
    if (status) status.textContent = text;
  }
  document.querySelectorAll("[data-copy-from]").forEach(function (button) {
    const source = document.getElementById(button.dataset.copyFrom);
    if (!source) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      const copied = function () { report(button, button.dataset.copied); };
      const failed = function () {
        source.focus();
        source.select();
        report(button, button.dataset.copyFailed);
      };
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(source.value).then(copied, failed);
      } else {
        failed();
      }
    });
  });
})();
