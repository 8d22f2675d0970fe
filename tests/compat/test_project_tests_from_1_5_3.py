"""A test module written the way a 1.5.3 project wrote its own tests: ``django.test.TestCase``
(one open transaction per test), ``call_command("process_notifications")``,
``unittest.mock.patch`` on the names the 1.5.3 modules had, and a handler loaded from a
project directory that saves the notification itself. It must pass unchanged."""

import os
from io import StringIO
from smtplib import SMTPException
from unittest.mock import patch

from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import timezone

from django_notification_system.models import Notification, NotificationTarget, TargetUserRecord
from django_notification_system.notification_handlers import email, expo, twilio
from tests.fakes import FakeExpo, FakeTwilio

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


def _record(user, target_name, address):
    return TargetUserRecord.objects.create(
        user=user,
        target=NotificationTarget.objects.get(name=target_name),
        target_user_id=address,
        description=f"{user.username}'s {target_name}",
    )


class EmailHandlerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = get_user_model().objects.create_user(username="eve", email="eve@example.com")
        cls.record = _record(cls.user, "Email", "eve@example.com")

    def setUp(self):
        self.notification = Notification.objects.create(
            target_user_record=self.record,
            title="Your report",
            body="<p>It is <b>ready</b></p>",
            retry_time_interval=60,
            max_retries=3,
        )

    def test_send_notification_sends_and_saves(self):
        result = email.send_notification(self.notification)

        self.assertEqual(result, "Email Successfully Sent")
        self.assertEqual(len(mail.outbox), 1)
        self.assertEqual(mail.outbox[0].to, ["eve@example.com"])
        self.assertEqual(mail.outbox[0].alternatives[0][0], "<p>It is <b>ready</b></p>")
        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, Notification.DELIVERED)
        self.assertIsNotNone(self.notification.attempted_delivery)

    @patch("django.core.mail.send_mail")
    def test_send_notification_goes_through_send_mail(self, send_mail):
        result = email.send_notification(self.notification)

        self.assertEqual(result, "Email Successfully Sent")
        send_mail.assert_called_once()
        kwargs = send_mail.call_args.kwargs
        self.assertEqual(kwargs["subject"], "Your report")
        self.assertEqual(kwargs["recipient_list"], ["eve@example.com"])
        self.assertEqual(kwargs["html_message"], "<p>It is <b>ready</b></p>")
        self.assertFalse(kwargs["fail_silently"])
        self.assertEqual(mail.outbox, [])

    @patch("django.core.mail.send_mail", side_effect=SMTPException("daily quota exceeded"))
    def test_an_smtp_error_is_retried(self, send_mail):
        result = email.send_notification(self.notification)

        self.assertEqual(result, "Email could not be sent: daily quota exceeded")
        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, Notification.RETRY)
        self.assertEqual(self.notification.retry_attempts, 1)
        self.assertGreater(self.notification.scheduled_delivery, timezone.now())

    def test_process_notifications_sends_email(self):
        call_command("process_notifications", stdout=StringIO())

        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, Notification.DELIVERED)
        self.assertEqual([m.subject for m in mail.outbox], ["Your report"])


def _ticket(status="ok", error=None, message=""):
    from exponent_server_sdk import PushTicket

    details = {"error": error} if error else None
    return PushTicket(push_message=None, status=status, message=message, details=details, id="t1")


class StandInPushClient:
    """What 1.5.3 projects patched in: only ``host``/``api_url``, and ``publish``."""

    published = []

    def __init__(self, host=None, api_url=None):
        self.host = host

    def publish(self, message):
        StandInPushClient.published.append(message)
        return _ticket()


class ExpoHandlerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = get_user_model().objects.create_user(username="max")
        cls.record = _record(cls.user, "Expo", "ExponentPushToken[max-phone]")

    def setUp(self):
        self.notification = Notification.objects.create(
            target_user_record=self.record, title="Ping", body="You have mail"
        )

    @patch("django_notification_system.notification_handlers.expo.PushClient")
    def test_send_notification_uses_the_patched_client(self, push_client):
        push_client.return_value.publish.return_value = _ticket()

        result = expo.send_notification(self.notification)

        self.assertEqual(result, "Notification Successfully Pushed!")
        [message] = push_client.return_value.publish.call_args.args
        self.assertEqual(message.to, "ExponentPushToken[max-phone]")
        self.assertEqual(message.title, "Ping")
        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, Notification.DELIVERED)

    @patch("django_notification_system.notification_handlers.expo.PushClient", StandInPushClient)
    def test_process_notifications_uses_a_stand_in_client(self):
        StandInPushClient.published.clear()

        call_command("process_notifications", stdout=StringIO())

        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, Notification.DELIVERED)
        self.assertEqual(
            [m.to for m in StandInPushClient.published], ["ExponentPushToken[max-phone]"]
        )

    @patch("django_notification_system.notification_handlers.expo.handle_push_response")
    @patch("django_notification_system.notification_handlers.expo.PushClient")
    def test_send_notification_hands_the_ticket_to_handle_push_response(
        self, push_client, handle_push_response
    ):
        ticket = _ticket()
        push_client.return_value.publish.return_value = ticket
        handle_push_response.return_value = "handled"

        self.assertEqual(expo.send_notification(self.notification), "handled")
        handle_push_response.assert_called_once_with(self.notification, ticket)

    def test_handle_push_response_device_not_registered_deactivates_the_record(self):
        ticket = _ticket("error", "DeviceNotRegistered", "not a registered device")

        result = expo.handle_push_response(self.notification, ticket)

        self.assertEqual(
            result,
            "<class 'exponent_server_sdk.DeviceNotRegisteredError'>: not a registered device",
        )
        self.notification.refresh_from_db()
        self.record.refresh_from_db()
        self.assertEqual(self.notification.status, Notification.INACTIVE_DEVICE)
        self.assertFalse(self.record.active)

    def test_handle_push_response_retries_a_transient_ticket_error(self):
        ticket = _ticket("error", "MessageRateExceeded", "slow down")

        result = expo.handle_push_response(self.notification, ticket)

        self.assertTrue(
            result.startswith("<class 'exponent_server_sdk.MessageRateExceededError'>")
        )
        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, Notification.RETRY)
        self.assertEqual(self.notification.retry_attempts, 1)

    def test_handle_push_response_delivers_an_accepted_ticket(self):
        result = expo.handle_push_response(self.notification, _ticket())

        self.assertEqual(result, "Notification Successfully Pushed!")
        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, Notification.DELIVERED)
        self.assertEqual(self.notification.provider_message_id, "t1")

    def test_a_malformed_token_fails_at_once_with_the_1_5_3_text(self):
        self.record.target_user_id = "not-a-push-token"
        self.record.save()

        result = expo.send_notification(self.notification)

        self.assertEqual(result, "<class 'ValueError'>: Invalid push token")
        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, Notification.DELIVERY_FAILURE)

    def test_send_notification_against_the_expo_service(self):
        with (
            FakeExpo() as fake,
            self.settings(NOTIFICATION_SYSTEM_TARGETS={"expo": {"host": fake.url}}),
        ):
            result = expo.send_notification(self.notification)

            self.assertEqual(result, "Notification Successfully Pushed!")
            self.assertEqual(
                [m["to"] for m in fake.sent_messages()], ["ExponentPushToken[max-phone]"]
            )
        self.notification.refresh_from_db()
        self.assertEqual(self.notification.provider_message_id, next(iter(fake.tickets)))


class TwilioHandlerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.user = get_user_model().objects.create_user(username="sam")
        cls.record = _record(cls.user, "Twilio", "+15005550006")

    def setUp(self):
        self.notification = Notification.objects.create(
            target_user_record=self.record, title="Code", body="Your code is 1234"
        )
        self.fake = FakeTwilio().start()
        self.addCleanup(self.fake.stop)
        targets = {
            "twilio_sms": {
                "account_sid": self.fake.account_sid,
                "auth_token": self.fake.auth_token,
                "sender": "+15005550001",
                "api_base_url": self.fake.url,
            }
        }
        overridden = self.settings(NOTIFICATION_SYSTEM_TARGETS=targets)
        overridden.enable()
        self.addCleanup(overridden.disable)

    def test_send_notification_sends_and_saves(self):
        result = twilio.send_notification(self.notification)

        self.assertEqual(result, "SMS Successfully sent!")
        self.assertEqual([m["body"] for m in self.fake.messages], ["Your code is 1234"])
        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, Notification.DELIVERED)

    def test_a_refused_number_returns_the_1_5_3_error_text(self):
        self.fake.errors["+15005550006"] = 21408  # region not enabled: a permanent failure

        result = twilio.send_notification(self.notification)

        self.assertTrue(result.startswith("<class 'twilio.base.exceptions.TwilioRestException'>"))
        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, Notification.DELIVERY_FAILURE)

    @patch("django_notification_system.notification_handlers.twilio.Client")
    def test_a_patched_client_is_used(self, client):
        result = twilio.send_notification(self.notification)

        self.assertEqual(result, "SMS Successfully sent!")
        client.assert_called_once_with(self.fake.account_sid, self.fake.auth_token)
        kwargs = client.return_value.messages.create.call_args.kwargs
        self.assertEqual((kwargs["to"], kwargs["body"]), ("+15005550006", "Your code is 1234"))
        self.assertEqual(self.fake.messages, [])

    def test_process_notifications_sends_sms(self):
        call_command("process_notifications", stdout=StringIO())

        self.notification.refresh_from_db()
        self.assertEqual(self.notification.status, Notification.DELIVERED)
        self.assertEqual(len(self.fake.messages), 1)


class PrepareExtraTests(TestCase):
    def test_prepare_extra_picks_the_push_options(self):
        prepared = expo.prepare_extra({"sound": "default", "badge": 3, "other": 1})

        self.assertEqual(prepared["sound"], "default")
        self.assertEqual(prepared["badge"], 3)
        self.assertIsNone(prepared["channel_id"])
        self.assertNotIn("other", prepared)
        self.assertEqual(set(expo.prepare_extra(None).values()), {None})
