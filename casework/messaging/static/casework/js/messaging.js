// Live conversation: new messages, edits, deletions and read receipts arrive over a websocket.
// Without this script (or without websockets) the page still works: sending posts the form and
// reloading shows what arrived.
(function () {
  "use strict";
  var list = document.getElementById("message-list");
  if (!list || !("WebSocket" in window)) { return; }
  var conversation = list.getAttribute("data-conversation");
  var lastSeq = parseInt(list.getAttribute("data-last-seq") || "0", 10) || 0;
  var base = document.body.getAttribute("data-live-url");
  if (!base) {
    base = (location.protocol === "https:" ? "wss://" : "ws://") + location.host;
  }
  var status = document.getElementById("live-status");
  // Beside a video call the list scrolls in a box of its own: the box follows new messages,
  // the page stays where it is, and the page is never reloaded (that would drop the call).
  var box = list.closest("[data-chat-box]");
  var socket = null;
  var delay = 1000;
  var pingTimer = null;
  var readTimer = null;

  function say(key) {
    if (!status) { return; }
    status.textContent = status.getAttribute("data-" + key) || "";
    status.hidden = false;
  }

  function nearBottom() {
    if (box) { return box.scrollTop + box.clientHeight >= box.scrollHeight - 100; }
    return window.innerHeight + window.scrollY >= document.body.scrollHeight - 200;
  }

  function place(message) {
    var existing = document.getElementById("message-" + message.seq);
    if (existing) {
      existing.outerHTML = message.html;
      return;
    }
    if (message.seq <= lastSeq) { return; }
    var follow = nearBottom();
    list.insertAdjacentHTML("beforeend", message.html);
    var empty = document.getElementById("no-messages");
    if (empty) { empty.hidden = true; }
    lastSeq = message.seq;
    list.setAttribute("data-last-seq", String(lastSeq));
    if (follow && box) {
      box.scrollTop = box.scrollHeight;
    } else if (follow && list.lastElementChild) {
      list.lastElementChild.scrollIntoView({ block: "end" });
    }
    scheduleRead();
  }

  function showRead(seq) {
    var mine = list.querySelectorAll("[data-mine]");
    for (var i = 0; i < mine.length; i++) {
      if (parseInt(mine[i].getAttribute("data-seq"), 10) <= seq) {
        var receipt = mine[i].querySelector("[data-receipt]");
        if (receipt) { receipt.hidden = false; }
      }
    }
  }

  function sendRead() {
    if (document.visibilityState !== "visible") { return; }
    if (socket && socket.readyState === WebSocket.OPEN) {
      socket.send(JSON.stringify({ type: "read", seq: lastSeq }));
    }
  }

  function scheduleRead() {
    clearTimeout(readTimer);
    readTimer = setTimeout(sendRead, 400);
  }

  function connect() {
    socket = new WebSocket(base + "/ws/conversations/" + conversation + "/");
    socket.addEventListener("open", function () {
      delay = 1000;
      socket.send(JSON.stringify({ type: "resume", after: lastSeq }));
      pingTimer = setInterval(function () {
        if (socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify({ type: "ping" })); }
      }, 30000);
    });
    socket.addEventListener("message", function (event) {
      var data = JSON.parse(event.data);
      if (data.type === "message" || data.type === "changed") {
        place(data.message);
      } else if (data.type === "caught_up") {
        say("connected");
        scheduleRead();
      } else if (data.type === "read") {
        showRead(data.seq);
      } else if (data.type === "closed" && !box) {
        location.reload();
      }
    });
    socket.addEventListener("close", function (event) {
      clearInterval(pingTimer);
      if (event.code === 4401 || event.code === 4404) { return; }
      say("reconnecting");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    });
  }

  document.addEventListener("visibilitychange", scheduleRead);
  // htmx sent the form: the message comes back over the socket, or, if the socket is down,
  // with a reload (in a box, when the socket is back: it resumes from the cursor).
  document.body.addEventListener("messaging:sent", function () {
    if (box) { return; }
    if (!socket || socket.readyState !== WebSocket.OPEN) { location.reload(); }
  });
  if (box) {
    box.scrollTop = box.scrollHeight;
    // A message's links (change, report, files) open beside the call rather than over it.
    box.addEventListener("click", function (event) {
      var link = event.target.closest && event.target.closest("a[href]");
      if (link) { link.target = "_blank"; link.rel = "noopener"; }
    });
  }
  connect();
})();
