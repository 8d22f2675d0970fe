// The demo's service worker: shows each push and opens its url when clicked.
// The push's data is the JSON django-notification-system sends: {title, body, url, data}.
self.addEventListener("push", (event) => {
  const message = event.data ? event.data.json() : {};
  event.waitUntil(
    self.registration.showNotification(message.title || "Notification", {
      body: message.body || "",
      data: {url: message.url || "/", data: message.data},
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data.url, self.location.origin).href;
  event.waitUntil(
    clients.matchAll({type: "window", includeUncontrolled: true}).then((windows) => {
      const open = windows.find((w) => w.url === url && "focus" in w);
      return open ? open.focus() : clients.openWindow(url);
    })
  );
});
