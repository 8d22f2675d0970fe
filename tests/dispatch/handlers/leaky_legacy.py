"""A 1.5.3-style handler whose exception quotes the notification's title and body."""


def send_notification(notification):
    raise ValueError(f"refused {notification.title}: {notification.body}")
