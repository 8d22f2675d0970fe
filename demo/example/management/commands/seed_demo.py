"""Seed the demo database: a few users with email, SMS and push records and due notifications,
and in-app notifications for the inbox page (log in at /inbox/ with password ``demo``).

Notifications are scheduled through the channel creators, and one through the Reminder
model's post_save signal (see ``demo/example/signals.py``).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from django_notification_system.models import (
    NotificationOptOut,
    NotificationTarget,
    TargetUserRecord,
)
from django_notification_system.notification_creators import email as email_creator
from django_notification_system.notification_creators import get_creator
from django_notification_system.notification_creators import in_app as in_app_creator
from django_notification_system.preferences import categories

from ...models import Reminder

#: The welcome email's category: its email carries a one-click unsubscribe link.
WELCOME_CATEGORY = "tips"
#: Demo users log in to /inbox/ with this password.
DEMO_PASSWORD = "demo"
#: In-app notifications each demo user finds in their inbox: (minutes ago, title, url,
#: category).
INBOX_ITEMS = [
    (30, "Your report is ready", "/admin/", ""),
    (10, "Someone mentioned you", "", ""),
    (5, "What's new this month", "", "news"),
    (1, "Welcome to the inbox", "", "tips"),
]
#: Replies that show as one inbox item with a count and the latest actors (group_key).
GROUPED_REPLIES = [(20, "grace"), (15, "linus"), (3, "grace")]

DEMO_USERS = [
    ("ada", "ada@example.com"),
    ("grace", "grace@example.com"),
    ("linus", "linus@example.com"),
    ("opted_out", "opted-out@example.com"),
]

#: Provider test numbers/tokens the demo's fakes know; grace's are dead on purpose.
UNSUBSCRIBED_NUMBER = "+15005550009"  # the fake Twilio answers 21610 (replied STOP)
DEAD_DEVICE = "ExponentPushToken[grace-old-phone]"  # the fake Expo answers DeviceNotRegistered
DEMO_PHONES_AND_DEVICES = {
    "ada": ("+15005550006", "ExponentPushToken[ada-phone]"),
    "grace": (UNSUBSCRIBED_NUMBER, DEAD_DEVICE),
    "linus": ("+15005550007", "ExponentPushToken[linus-tablet]"),
}


class Command(BaseCommand):
    help = "Create demo users, their email/SMS/push records and one due notification per record."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        User = get_user_model()
        self._reset_or_start(User)
        email = NotificationTarget.objects.get(notification_module_name="email")
        now = timezone.now()
        created = 0
        # demo/settings.py declares it; other settings (the tests') may not.
        welcome_category = WELCOME_CATEGORY if WELCOME_CATEGORY in categories() else None
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
                    category=welcome_category,
                )
            )
            created += self._seed_sms_and_push(user, now)
            created += self._seed_inbox(user, now)
        # Opting out settles that user's pending notification as OPTED OUT.
        opted_out = User.objects.get(username="opted_out")
        NotificationOptOut.objects.update_or_create(user=opted_out, defaults={"active": True})
        # The signal pattern: saving a Reminder schedules an email once this transaction commits.
        Reminder.objects.create(user=User.objects.get(username="ada"), text="try the demo")
        self.stdout.write(f"Seeded {len(DEMO_USERS)} users and {created} notifications.")
        self._admin(User)

    def _admin(self, User) -> None:
        """The demo settings' ``DEMO_ADMIN`` superuser for /admin/, its password reset each run.

        Other settings (a project's, the tests') name none, so no account with a known
        password is ever made outside the demo's own database.
        """
        login = getattr(settings, "DEMO_ADMIN", None)
        if not login:
            return
        admin, _ = User.objects.get_or_create(username=login["username"])
        admin.is_staff = admin.is_superuser = admin.is_active = True
        admin.set_password(login["password"])
        admin.save()
        self.stdout.write(f"Admin login: {login['username']}, password {login['password']}.")

    def _reset_or_start(self, User) -> None:
        """Make re-running the demo start from the same state, and say which case this was.

        Deleting the demo users cascades to their records, notifications, attempts,
        opt-outs and reminders; anything else in the database (an admin account) is kept.
        """
        database = connection.settings_dict["NAME"]
        previous = User.objects.filter(username__in=[name for name, _ in DEMO_USERS])
        if previous.exists():
            previous.delete()
            self.stdout.write(
                f"Reusing the demo database {database}: the previous demo users and their "
                "notifications were reset."
            )
        else:
            self.stdout.write(f"Seeding the demo database {database} for the first time.")

    def _seed_inbox(self, user, now) -> int:
        """A password to log in to /inbox/ with, and a few in-app notifications."""
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        created = 0
        declared = categories()
        for minutes_ago, title, url, category in INBOX_ITEMS:
            created += len(
                in_app_creator.create_notification(
                    user,
                    title,
                    body=f"Hello {user.username}, this waits in your inbox.",
                    scheduled_delivery=now - timedelta(minutes=minutes_ago),
                    url=url,
                    category=category if category in declared else None,
                    quiet=True,
                )
            )
        for minutes_ago, actor in GROUPED_REPLIES:
            created += len(
                in_app_creator.create_notification(
                    user,
                    "New replies to your question",
                    body=f"{actor} replied.",
                    scheduled_delivery=now - timedelta(minutes=minutes_ago),
                    group_key="question-1",
                    actor=actor,
                    quiet=True,
                )
            )
        return created

    def _seed_sms_and_push(self, user, now) -> int:
        """One Twilio and one Expo record with a due notification each, for the demo fakes."""
        if user.username not in DEMO_PHONES_AND_DEVICES:
            return 0
        phone, device = DEMO_PHONES_AND_DEVICES[user.username]
        created = 0
        for module_name, address in (("twilio", phone), ("expo", device)):
            TargetUserRecord.objects.get_or_create(
                user=user,
                target=NotificationTarget.objects.get(notification_module_name=module_name),
                target_user_id=address,
                defaults={"description": f"{user.username}'s {module_name}"},
            )
            created += len(
                get_creator(module_name)(
                    user,
                    title=f"Welcome, {user.username}",
                    body=f"Hello {user.username}, this is your demo {module_name} notification.",
                    scheduled_delivery=now,
                    retry_time_interval=5,
                )
            )
        return created
