"""Small factories for tests and benchmarks: users, target user records, due notifications."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from django_notification_system.models import (
    DigestWindow,
    Notification,
    NotificationTarget,
    TargetUserRecord,
)


def target(module_name: str = "email") -> NotificationTarget:
    """A preloaded built-in target, or a new one for a custom module name."""
    found = NotificationTarget.objects.filter(notification_module_name=module_name).first()
    return found or NotificationTarget.objects.create(
        name=module_name.title(), notification_module_name=module_name
    )


def user(username: str = "ada", email: str | None = None):
    return get_user_model().objects.create_user(
        username=username, email=email if email is not None else f"{username}@example.com"
    )


def record(user_obj=None, module_name: str = "email", address: str | None = None, **kwargs):
    user_obj = user_obj or user()
    return TargetUserRecord.objects.create(
        user=user_obj,
        target=target(module_name),
        target_user_id=address or f"{user_obj.username}@example.com",
        description=kwargs.pop("description", f"{user_obj.username}'s {module_name}"),
        **kwargs,
    )


def notification(record_obj=None, **kwargs) -> Notification:
    return Notification.objects.create(
        target_user_record=record_obj or record(),
        title=kwargs.pop("title", "Hello"),
        body=kwargs.pop("body", "<p>Hello there</p>"),
        **kwargs,
    )


def due_notifications(count: int, module_name: str = "email", prefix: str = "u") -> list:
    """``count`` users with one record and one due notification each, in bulk."""
    User = get_user_model()
    users = User.objects.bulk_create(
        [User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com") for i in range(count)]
    )
    users = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    tgt = target(module_name)
    records = TargetUserRecord.objects.bulk_create(
        [
            TargetUserRecord(user=u, target=tgt, target_user_id=u.email, description="bulk")
            for u in users
        ]
    )
    now = timezone.now()
    return Notification.objects.bulk_create(
        [
            Notification(
                target_user_record=r, title=f"n{i}", body="<p>hi</p>", scheduled_delivery=now
            )
            for i, r in enumerate(records)
        ]
    )


def held_digest_items(users: int, per_user: int, prefix: str = "u") -> None:
    """``users`` users with one email record and ``per_user`` HELD comments each, in bulk."""
    User = get_user_model()
    User.objects.bulk_create(
        [User(username=f"{prefix}{i}", email=f"{prefix}{i}@example.com") for i in range(users)]
    )
    tgt = target("email")
    TargetUserRecord.objects.bulk_create(
        [
            TargetUserRecord(user=u, target=tgt, target_user_id=u.email, description="bulk")
            for u in User.objects.filter(username__startswith=prefix)
        ]
    )
    records = list(
        TargetUserRecord.objects.filter(description="bulk", user__username__startswith=prefix)
    )
    DigestWindow.objects.bulk_create(
        [DigestWindow(target_user_record=r, category="comments") for r in records]
    )
    windows = dict(DigestWindow.objects.values_list("target_user_record_id", "pk"))
    past = timezone.now() - timedelta(hours=2)
    Notification.objects.bulk_create(
        [
            Notification(
                target_user_record=r,
                title=f"comment {n}",
                body="<p>a comment</p>",
                category="comments",
                status=Notification.HELD,
                digest_window_id=windows[r.pk],
                scheduled_delivery=past + timedelta(seconds=n),
            )
            for r in records
            for n in range(per_user)
        ],
        batch_size=5000,
    )
