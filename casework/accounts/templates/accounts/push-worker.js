// Casework's service worker: shows the appointment reminders pushed to this device, and opens
// the appointment when the reminder is clicked. A push carries a title, a body (the time) and
// a link, nothing else; the linked page asks the reader to sign in. No fetch handler: pages
// load exactly as without it. Served by casework.accounts.views.push_worker, scope "/".
"use strict";

self.addEventListener("install", function () {
  self.skipWaiting();
});

self.addEventListener("activate", function (event) {
  event.waitUntil(self.clients.claim());
});

// Only our own pages are ever opened, whatever a payload says.
function ownPage(value) {
  try {
    var url = new URL(value, self.location.origin);
    return self.location.origin + url.pathname + url.search;
  } catch (error) {
    return self.location.origin + "/";
  }
}

function text(value) {
  return typeof value === "string" ? value.slice(0, 300) : "";
}

self.addEventListener("push", function (event) {
  var data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = {};
  }
  var url = ownPage(text(data.url) || "/");
  event.waitUntil(
    self.registration.showNotification(text(data.title) || "Casework", {
      body: text(data.body),
      tag: url, // a later reminder of the same appointment replaces the earlier one
      data: { url: url },
    })
  );
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = ownPage((event.notification.data && event.notification.data.url) || "/");
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
      for (var i = 0; i < windows.length; i++) {
        if (windows[i].url === url && "focus" in windows[i]) {
          return windows[i].focus();
        }
      }
      return self.clients.openWindow(url);
    })
  );
});
