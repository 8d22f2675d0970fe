"""A test module written the way a 1.5.3 project wrote its own tests: ``django.test.TestCase``
(one open transaction per test), ``call_command("process_notifications")``,
``unittest.mock.patch`` on the names the 1.5.3 modules had, and a handler loaded from a
project directory that saves the notification itself. It must pass unchanged."""

import os
from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase, override_settings

from django_notification_system.models import Notification, NotificationTarget, TargetUserRecord

HANDLERS_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "project_handlers")


@override_settings(NOTIFICATION_SYSTEM_HANDLERS=[HANDLERS_DIR])
class DirectoryHandlerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = get_user_model().objects.create_user(username="pat", email="pat@example.com")
        cls.target = NotificationTarget.objects.create(
            name="Pager", notification_module_name="pager"
        )
        cls.record = TargetUserRecord.objects.create(
            user=cls.user,
            target=cls.target,
            target_user_id="pager-42",
            description="Pat's pager",
        )

    def test_process_notifications_delivers_with_a_handler_that_saves(self):
        notification = Notification.objects.create(
            target_user_record=self.record, title="Paged", body="You have been paged"
        )
        out = StringIO()

        call_command("process_notifications", stdout=out)

        notification.refresh_from_db()
        self.assertEqual(notification.status, Notification.DELIVERED)
        self.assertIsNotNone(notification.attempted_delivery)
        self.assertIn("delivered: 1", out.getvalue())

    def test_the_function_delivers_too(self):
        from django_notification_system.dispatch.run import process_notifications

        notification = Notification.objects.create(
            target_user_record=self.record, title="Paged again", body="Again"
        )

        process_notifications()

        notification.refresh_from_db()
        self.assertEqual(notification.status, "DELIVERED")
