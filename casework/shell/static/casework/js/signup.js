// Sign-up takes the time zone from the browser; without JavaScript the server uses UTC.
(function () {
  "use strict";
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  document.querySelectorAll("input[data-browser-time-zone]").forEach(function (input) {
    if (!input.value && zone) { input.value = zone; }
  });
})();
