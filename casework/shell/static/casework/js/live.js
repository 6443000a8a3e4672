// Live account events: when this session is signed out elsewhere, say so and leave the page.
(function () {
  "use strict";
  var body = document.body;
  var base = body.getAttribute("data-live-url");
  if (base === null || !("WebSocket" in window)) { return; }
  if (!base) {
    base = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
  }
  var delay = 1000;
  function connect() {
    var socket = new WebSocket(base + "/ws/account/");
    socket.addEventListener("open", function () { delay = 1000; });
    socket.addEventListener("message", function (event) {
      var data = JSON.parse(event.data);
      if (data.event === "session_ended") {
        var notice = document.getElementById("live-notice");
        notice.textContent = notice.getAttribute("data-ended") || "This session was signed out.";
        notice.hidden = false;
        setTimeout(function () { location.reload(); }, 2500);
      }
    });
    socket.addEventListener("close", function (event) {
      if (event.code === 4401) { return; }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }
  connect();
})();
