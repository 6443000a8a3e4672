// A video session's page: feature detection, the camera and microphone check, the waiting room
// (the page reloads when the session moves on) and the call itself (WebRTC, signalled over
// the page's websocket). Without this script the page still works, except for the call.
(function () {
  "use strict";
  var root = document.getElementById("video");
  if (!root) { return; }
  var stage = root.getAttribute("data-stage");
  var isPractitioner = root.getAttribute("data-role") === "practitioner";
  function text(name) { return root.getAttribute("data-text-" + name) || ""; }
  function byId(id) { return document.getElementById(id); }

  var supported = !!(window.RTCPeerConnection && navigator.mediaDevices &&
    navigator.mediaDevices.getUserMedia && window.WebSocket);
  root.setAttribute("data-supported", supported ? "yes" : "no");
  if (!supported) {
    var warning = byId("video-unsupported");
    if (warning) { warning.hidden = false; }
    return;
  }

  // --- The websocket: one per page, reconnecting; closes for good on a refusal. -------------
  var socket = null;
  var delay = 1000;
  var handlers = { open: function () {}, message: function () {} };
  function socketUrl() {
    var base = document.body.getAttribute("data-live-url");
    if (!base) { base = (location.protocol === "https:" ? "wss://" : "ws://") + location.host; }
    return base + root.getAttribute("data-socket");
  }
  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); }
  }
  function connect() {
    socket = new WebSocket(socketUrl());
    socket.addEventListener("open", function () { delay = 1000; handlers.open(); });
    socket.addEventListener("message", function (event) {
      var data;
      try { data = JSON.parse(event.data); } catch (error) { return; }
      if (data.type === "state") { location.reload(); return; }
      // The stage now, told on connecting: a change made before this socket joined is not lost.
      if (data.type === "stage") { if (data.stage !== stage) { location.reload(); } return; }
      handlers.message(data);
    });
    socket.addEventListener("close", function (event) {
      if (event.code === 4401 || event.code === 4403 || event.code === 4404) { return; }
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 15000);
    });
  }
  setInterval(function () { send({ type: "ping" }); }, 30000);

  // --- Camera and microphone check, before joining. ------------------------------------------
  var checkButton = byId("check-devices");
  if (checkButton) {
    checkButton.hidden = false;
    checkButton.addEventListener("click", function () {
      var result = byId("check-result");
      navigator.mediaDevices.getUserMedia({ audio: true, video: true }).then(function (stream) {
        var preview = byId("preview-video");
        preview.srcObject = stream;
        preview.hidden = false;
        result.textContent = text("devices-ok");
        listenForSound(stream, result);
      }).catch(function () { result.textContent = text("devices-failed"); });
    });
  }
  function listenForSound(stream, result) {
    var Context = window.AudioContext || window.webkitAudioContext;
    if (!Context || !stream.getAudioTracks().length) { return; }
    var context = new Context();
    var analyser = context.createAnalyser();
    context.createMediaStreamSource(stream).connect(analyser);
    var samples = new Uint8Array(analyser.fftSize);
    var timer = setInterval(function () {
      analyser.getByteTimeDomainData(samples);
      for (var i = 0; i < samples.length; i += 1) {
        if (Math.abs(samples[i] - 128) > 8) {
          result.textContent = text("devices-ok") + " " + text("sound");
          clearInterval(timer);
          return;
        }
      }
    }, 250);
  }

  if (stage !== "call") {
    // Waiting room (either side), or the client before saying where she is: the page reloads
    // when the server says the session moved on.
    connect();
    return;
  }

  // --- The call. -----------------------------------------------------------------------------
  var status = byId("call-status");
  var controls = byId("call-controls");
  var iceServers = [];
  try { iceServers = JSON.parse(byId("ice-servers").textContent); } catch (error) { iceServers = []; }
  var local = null;
  var pc = null;
  var pending = [];
  var left = false;
  var audioOnly = false;
  var poorSamples = 0;

  function say(message) { status.textContent = message; }
  function setConnection(state) { root.setAttribute("data-connection", state); }

  function newPeer() {
    if (pc) { pc.close(); }
    pending = [];
    pc = new RTCPeerConnection({ iceServers: iceServers });
    local.getTracks().forEach(function (track) { pc.addTrack(track, local); });
    pc.addEventListener("icecandidate", function (event) {
      if (event.candidate) { send({ type: "candidate", candidate: event.candidate.toJSON() }); }
    });
    pc.addEventListener("track", function (event) {
      byId("remote-video").srcObject = event.streams[0];
    });
    pc.addEventListener("connectionstatechange", function () {
      setConnection(pc.connectionState);
      if (pc.connectionState === "connected") { say(text("connected")); byId("rejoin-call").hidden = true; }
      if (pc.connectionState === "disconnected" || pc.connectionState === "failed") { dropped(); }
    });
    return pc;
  }
  function dropped() {
    say(text("dropped"));
    byId("rejoin-call").hidden = false;
    var plan = byId("drop-plan");
    if (plan) { plan.classList.add("panel--alert"); }
  }
  function addPending() {
    pending.forEach(function (candidate) { pc.addIceCandidate(candidate).catch(function () {}); });
    pending = [];
  }
  function offer() {
    var peer = newPeer();
    peer.createOffer().then(function (description) {
      return peer.setLocalDescription(description);
    }).then(function () {
      send({ type: "offer", sdp: peer.localDescription.toJSON() });
    });
  }
  function answer(sdp) {
    var peer = newPeer();
    peer.setRemoteDescription(sdp).then(function () {
      addPending();
      return peer.createAnswer();
    }).then(function (description) {
      return peer.setLocalDescription(description);
    }).then(function () {
      send({ type: "answer", sdp: peer.localDescription.toJSON() });
    });
  }
  handlers.open = function () { if (!left) { send({ type: "hello" }); } };
  handlers.message = function (data) {
    if (left) { return; }
    if (data.type === "hello") { send({ type: "here" }); }
    // The practitioner offers when the client (re)joins ("hello"), or answers her hello when
    // no call is set up yet ("here"). Offering on both, when both pages open at once, made two
    // offers cross and left the call "connecting".
    var fromClient = isPractitioner && !data.from_practitioner;
    if (fromClient && (data.type === "hello" || (data.type === "here" && !pc))) {
      offer();
    } else if (data.type === "offer" && !isPractitioner) {
      answer(data.sdp);
    } else if (data.type === "answer" && isPractitioner && pc) {
      pc.setRemoteDescription(data.sdp).then(addPending);
    } else if (data.type === "candidate") {
      if (pc && pc.remoteDescription) {
        pc.addIceCandidate(data.candidate).catch(function () {});
      } else {
        pending.push(data.candidate);
      }
    } else if (data.type === "bye") {
      dropped();
    }
  };

  // Controls: mute, camera off, sound only, leave, rejoin.
  function toggle(button, kind, onText, offText) {
    button.addEventListener("click", function () {
      var tracks = kind === "audio" ? local.getAudioTracks() : local.getVideoTracks();
      var off = button.getAttribute("aria-pressed") !== "true";
      tracks.forEach(function (track) { track.enabled = !off; });
      button.setAttribute("aria-pressed", off ? "true" : "false");
      button.textContent = off ? offText : onText;
    });
  }
  function setAudioOnly(on) {
    audioOnly = on;
    poorSamples = 0;
    var button = byId("audio-only");
    button.setAttribute("aria-pressed", on ? "true" : "false");
    if (!pc) { return; }
    pc.getSenders().forEach(function (sender) {
      if (sender.track && sender.track.kind === "video") { sender.track.enabled = !on; }
      var parameters = sender.getParameters && sender.getParameters();
      if (sender.track && sender.track.kind === "video" && parameters && parameters.encodings && parameters.encodings.length) {
        parameters.encodings[0].active = !on;
        sender.setParameters(parameters).catch(function () {});
      }
    });
  }
  // Poor connection: three bad readings in a row (long round trips, lost packets, or video
  // held back for bandwidth) turn video off; "Sound only" turns it back on, and three fresh bad
  // readings are needed before the page turns it off again. Round trips are read both from the
  // pair in use and from the other side's reports, because not every browser fills in the first.
  function watchQuality() {
    setInterval(function () {
      if (!pc || pc.connectionState !== "connected" || audioOnly) { return; }
      pc.getStats().then(function (report) {
        var poor = false;
        report.forEach(function (stat) {
          if (stat.type === "candidate-pair" && stat.nominated && stat.currentRoundTripTime > 0.8) { poor = true; }
          if (stat.type === "remote-inbound-rtp" && (stat.fractionLost > 0.1 || stat.roundTripTime > 0.8)) { poor = true; }
          if (stat.type === "outbound-rtp" && stat.kind === "video" && stat.qualityLimitationReason === "bandwidth") { poor = true; }
        });
        poorSamples = poor ? poorSamples + 1 : 0;
        if (poorSamples >= 3) { setAudioOnly(true); say(text("poor")); }
      });
    }, 4000);
  }

  say(text("connecting"));
  navigator.mediaDevices.getUserMedia({ audio: true, video: true }).catch(function () {
    return navigator.mediaDevices.getUserMedia({ audio: true, video: false });
  }).then(function (stream) {
    local = stream;
    byId("local-video").srcObject = stream;
    controls.hidden = false;
    toggle(byId("toggle-mic"), "audio", text("mute"), text("unmute"));
    toggle(byId("toggle-camera"), "video", text("camera-off"), text("camera-on"));
    byId("audio-only").addEventListener("click", function () { setAudioOnly(!audioOnly); });
    byId("leave-call").addEventListener("click", function () {
      left = true;
      send({ type: "bye" });
      if (pc) { pc.close(); pc = null; }
      setConnection("left");
      say(text("left"));
      byId("rejoin-call").hidden = false;
    });
    byId("rejoin-call").addEventListener("click", function () { location.reload(); });
    say(text("waiting-peer"));
    watchQuality();
    connect();
  }).catch(function () {
    say(text("devices-failed"));
  });
})();
