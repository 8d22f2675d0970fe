"""A ``ChannelHandler`` whose recipients vanish while it sends: for a row titled ``doomed
user …`` (``doomed record …``, ``doomed row …``) it deletes the row's user (its target user
record, the notification itself) on its own thread's connection, committed at once, before
answering ``Delivered``, as a user deleting their account during a slow send would. Every
call is counted, so a test can see a row sent twice."""

from __future__ import annotations

import threading
import time

from django.contrib.auth import get_user_model

from django_notification_system.models import Notification, TargetUserRecord
from django_notification_system.notification_handlers.base import ChannelHandler, Delivered

NEEDS_USER = False

lock = threading.Lock()
sent: list[int] = []  # notification pks, one per call


class DeletingHandler(ChannelHandler):
    concurrency = 2
    call_seconds = 0.05

    def send(self, notification):
        time.sleep(self.call_seconds)
        _, what, *_ = [*notification.title.split(), "", ""]
        if notification.title.startswith("doomed "):
            _delete(what, notification)
        with lock:
            sent.append(notification.pk)
        return Delivered(provider_message_id=f"deleting-{notification.pk}")


Handler = DeletingHandler


def _delete(what: str, notification) -> None:
    if what == "user":
        user_id = notification.target_user_record.user_id
        get_user_model().objects.filter(pk=user_id).delete()
    elif what == "record":
        TargetUserRecord.objects.filter(pk=notification.target_user_record_id).delete()
    elif what == "row":
        Notification.objects.filter(pk=notification.pk).delete()


def reset() -> None:
    with lock:
        sent.clear()
