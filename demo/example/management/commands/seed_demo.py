"""Seed the demo database: a few users with email records and due notifications.

Notifications are scheduled through the email creator, and one through the Reminder
model's post_save signal (see ``demo/example/signals.py``).
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from django_notification_system.models import (
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
)
from django_notification_system.notification_creators import email as email_creator

from ...models import Reminder

DEMO_USERS = [
    ("ada", "ada@example.com"),
    ("grace", "grace@example.com"),
    ("linus", "linus@example.com"),
    ("opted_out", "opted-out@example.com"),
]


class Command(BaseCommand):
    help = "Create demo users, their email records and one due notification each."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        User = get_user_model()
        email = NotificationTarget.objects.get(notification_module_name="email")
        now = timezone.now()
        created = 0
        for username, address in DEMO_USERS:
            user, _ = User.objects.get_or_create(username=username, defaults={"email": address})
            TargetUserRecord.objects.get_or_create(
                user=user,
                target=email,
                target_user_id=address,
                defaults={"description": f"{username}'s email"},
            )
            NotificationOptOut.objects.filter(user=user).update(active=False)
            created += len(
                email_creator.create_notification(
                    user,
                    title=f"Welcome, {username}",
                    body=f"<p>Hello <b>{username}</b>, this is your demo notification.</p>",
                    scheduled_delivery=now,
                    retry_time_interval=5,
                )
            )
        # Opting out settles that user's pending notification as OPTED OUT.
        opted_out = User.objects.get(username="opted_out")
        NotificationOptOut.objects.update_or_create(user=opted_out, defaults={"active": True})
        # The signal pattern: saving a Reminder schedules an email once this transaction commits.
        Reminder.objects.create(user=User.objects.get(username="ada"), text="try the demo")
        self.stdout.write(f"Seeded {len(DEMO_USERS)} users and {created} notifications.")
