// Reminders on this device (preferences page): registers the service worker, asks permission,
// subscribes with the site's VAPID key and tells the server; or unsubscribes here and there.
// Without JavaScript, or in a browser without web push, the section says so and email
// reminders continue. The texts come translated from the page (data-* attributes).
(function () {
  "use strict";
  var section = document.getElementById("push-reminders");
  if (!section) { return; }
  var status = section.querySelector("[data-push-status]");
  var controls = section.querySelector("[data-push-controls]");
  var subscribeButton = section.querySelector("[data-push-subscribe]");
  var unsubscribeButton = section.querySelector("[data-push-unsubscribe]");
  var scope = "/";

  section.querySelector("[data-push-no-script]").hidden = true;

  function say(key) {
    status.textContent = status.getAttribute("data-" + key) || "";
    status.hidden = false;
  }

  var supported = "serviceWorker" in navigator && "PushManager" in window &&
    "Notification" in window && "fetch" in window;
  if (!supported) {
    say("unsupported");
    return;
  }

  function show(subscribed) {
    subscribeButton.hidden = subscribed;
    unsubscribeButton.hidden = !subscribed;
    controls.hidden = false;
  }

  function keyBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/") +
      "===".slice((base64url.length + 3) % 4);
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) { bytes[i] = raw.charCodeAt(i); }
    return bytes;
  }

  var serverKey = keyBytes(section.getAttribute("data-application-server-key"));

  function sameKey(subscription) {
    var current = subscription.options && subscription.options.applicationServerKey;
    if (!current) { return true; }
    var bytes = new Uint8Array(current);
    if (bytes.length !== serverKey.length) { return false; }
    for (var i = 0; i < bytes.length; i++) {
      if (bytes[i] !== serverKey[i]) { return false; }
    }
    return true;
  }

  function post(url, payload) {
    var token = section.querySelector("input[name=csrfmiddlewaretoken]").value;
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      redirect: "error",
      headers: { "Content-Type": "application/json", "X-CSRFToken": token },
      body: JSON.stringify(payload),
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response;
    });
  }

  function currentSubscription() {
    return navigator.serviceWorker.getRegistration(scope).then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    });
  }

  function subscribe() {
    subscribeButton.disabled = true;
    // Asked first, while the click still counts as the person's gesture (Safari needs it).
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") {
        say("blocked");
        return null;
      }
      return navigator.serviceWorker
        .register(section.getAttribute("data-worker-url"), { scope: scope })
        .then(function () { return navigator.serviceWorker.ready; })
        .then(function (registration) {
          return registration.pushManager.getSubscription().then(function (existing) {
            if (existing && sameKey(existing)) { return existing; }
            var dropped = existing ? existing.unsubscribe() : Promise.resolve();
            return dropped.then(function () {
              return registration.pushManager.subscribe({
                userVisibleOnly: true,
                applicationServerKey: serverKey,
              });
            });
          });
        })
        .then(function (subscription) {
          return post(section.getAttribute("data-subscribe-url"), subscription.toJSON())
            .catch(function (error) {
              // Not stored: do not leave a subscription the server does not know.
              return subscription.unsubscribe().then(function () { throw error; });
            });
        })
        .then(function () {
          show(true);
          say("on");
        });
    }).catch(function () {
      say("failed");
    }).then(function () {
      subscribeButton.disabled = false;
    });
  }

  function unsubscribe() {
    unsubscribeButton.disabled = true;
    currentSubscription().then(function (subscription) {
      if (!subscription) { return null; }
      var endpoint = subscription.endpoint;
      // Stopped here even if the server cannot be told: the push service will then answer
      // "gone" to its next reminder, and the server forgets the device.
      return subscription.unsubscribe().then(function () {
        return post(section.getAttribute("data-unsubscribe-url"), { endpoint: endpoint })
          .catch(function () { return null; });
      });
    }).then(function () {
      show(false);
      say("off");
    }).catch(function () {
      say("failed");
    }).then(function () {
      unsubscribeButton.disabled = false;
    });
  }

  subscribeButton.addEventListener("click", subscribe);
  unsubscribeButton.addEventListener("click", unsubscribe);

  currentSubscription().then(function (subscription) {
    if (subscription && Notification.permission === "granted" && sameKey(subscription)) {
      // Told again on each visit: the browser may have renewed its address since.
      post(section.getAttribute("data-subscribe-url"), subscription.toJSON())
        .catch(function () { return null; });
      show(true);
      say("on");
    } else {
      show(false);
      say(Notification.permission === "denied" ? "blocked" : "off");
    }
  }).catch(function () {
    show(false);
    say("off");
  });
})();
