"""Deliver the demo's due notifications over all three channels, with no credentials.

Starts the fake Twilio and Expo servers from ``tests/fakes`` on loopback, points
``NOTIFICATION_SYSTEM_TARGETS`` at them, runs ``process_notifications`` and reports,
per channel, what happened. Email goes to the console backend of the demo settings.
"""

import os
import sys

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db.models import Count
from django.test import override_settings

from django_notification_system import conf
from django_notification_system.models import Notification
from tests.fakes import FakeExpo, FakeTwilio

from .seed_demo import DEAD_DEVICE, DEMO_PASSWORD, DEMO_USERS, UNSUBSCRIBED_NUMBER

#: Where ``manage.py runserver`` serves the demo by default.
DEMO_URL = "http://127.0.0.1:8000/"


class Command(BaseCommand):
    help = "Run process_notifications against fake Twilio and Expo servers and report per channel."

    def handle(self, *args, **options) -> None:
        with (
            FakeTwilio(errors={UNSUBSCRIBED_NUMBER: 21610}) as twilio,
            FakeExpo(ticket_errors={DEAD_DEVICE: "DeviceNotRegistered"}) as expo,
        ):
            targets = {
                **conf.targets(),
                "twilio_sms": {
                    "account_sid": twilio.account_sid,
                    "auth_token": twilio.auth_token,
                    "sender": "+15005550001",
                    "api_base_url": twilio.url,
                },
                "expo": {"host": expo.url},
            }
            with override_settings(NOTIFICATION_SYSTEM_TARGETS=targets):
                call_command("process_notifications", stdout=self.stdout)
        self.stdout.write(
            f"Fake Twilio accepted {len(twilio.messages)} SMS; "
            f"fake Expo accepted {len(expo.tickets)} pushes."
        )
        self._report()
        self._next_steps()

    def _report(self) -> None:
        rows = (
            Notification.objects.values("target_user_record__target__name", "status")
            .annotate(count=Count("id"))
            .order_by("target_user_record__target__name", "status")
        )
        channel = None
        for row in rows:
            if row["target_user_record__target__name"] != channel:
                channel = row["target_user_record__target__name"]
                self.stdout.write(f"{channel}:")
            self.stdout.write(f"  {row['status']}: {row['count']}")

    def _next_steps(self) -> None:
        """What to run and open next: the demo's last words, so ``make demo`` shows its way.

        The command names this interpreter by its path, so it works from a fresh shell
        without activating the virtual environment.
        """
        python = os.path.relpath(sys.executable)
        *others, last = [name for name, _ in DEMO_USERS]
        self.stdout.write("")
        self.stdout.write("The demo is ready. Serve it (from this directory, in any shell):")
        self.stdout.write(f"  {python} manage.py runserver")
        self.stdout.write(
            f"then open {DEMO_URL} (the inbox; preferences at /notifications/preferences/)"
        )
        self.stdout.write(
            f"and log in as {', '.join(others)} or {last}, password {DEMO_PASSWORD}."
        )
        login = getattr(settings, "DEMO_ADMIN", None)
        admin = login and get_user_model().objects.filter(
            username=login["username"], is_superuser=True
        )
        if admin and admin.exists():
            self.stdout.write(
                f"Admin: {DEMO_URL}admin/ as {login['username']}, password {login['password']}."
            )
