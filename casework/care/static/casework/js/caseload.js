// Live caseload: when a client's check-in raises a flag (or one is acknowledged), the server
// says "changed" over a websocket and this reloads the table from the server. Nothing about
// the client travels over the socket. Without this script, reloading the page shows the same.
(function () {
  "use strict";
  var holder = document.getElementById("caseload");
  if (!holder || !("WebSocket" in window) || !window.fetch) { return; }
  var base = document.body.getAttribute("data-live-url");
  if (!base) {
    base = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
  }
  var live = document.getElementById("caseload-live");
  var delay = 1000;
  var pending = null;

  function refresh() {
    fetch(holder.getAttribute("data-refresh-url"), {
      headers: { "HX-Request": "true" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) { throw new Error(String(response.status)); }
      return response.text();
    }).then(function (html) {
      var table = document.getElementById("caseload-table");
      if (table) { table.outerHTML = html; } else { holder.innerHTML = html; }
      if (live) {
        live.textContent = "";
        live.textContent = live.getAttribute("data-changed") || "Updated.";
      }
    }).catch(function () { /* the next event, or a reload, catches up */ });
  }

  function connect() {
    var socket = new WebSocket(base + "/ws/care/caseload/");
    socket.addEventListener("open", function () {
      // Anything that changed since the table was read (before this socket opened, or while
      // it was disconnected): the server answers "changed" if there is something.
      var table = document.getElementById("caseload-table");
      var asOf = table && table.getAttribute("data-as-of");
      if (asOf) { socket.send(JSON.stringify({ type: "since", at: asOf })); }
      delay = 1000;
    });
    socket.addEventListener("message", function (event) {
      var data = JSON.parse(event.data);
      if (data.event === "changed") {
        clearTimeout(pending);
        pending = setTimeout(refresh, 150);
      }
    });
    socket.addEventListener("close", function (event) {
      if (event.code === 4401 || event.code === 4403) { return; }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }
  connect();
})();
