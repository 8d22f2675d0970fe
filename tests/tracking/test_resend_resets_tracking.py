"""Issue 13 case 5: a re-send starts tracking afresh. "Retry now", a retry and a lease
takeover clear the previous attempt's provider status and id, so callbacks for the new
Twilio message apply and callbacks for the old one change nothing."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from twilio.request_validator import RequestValidator

from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import Notification
from tests import factories
from tests.fakes import FakeTwilio

pytestmark = pytest.mark.django_db

PATH = "/notifications/twilio/status/"
PHONE = "+15005550006"


@pytest.fixture
def fake_twilio(settings):
    with FakeTwilio() as fake:
        settings.NOTIFICATION_SYSTEM_TARGETS = {
            **settings.NOTIFICATION_SYSTEM_TARGETS,
            "twilio_sms": {
                "account_sid": fake.account_sid,
                "auth_token": fake.auth_token,
                "sender": "+15005550001",
                "api_base_url": fake.url,
                "timeout": 5,
            },
        }
        yield fake


def status_callback(client, fake, sid, status, error_code=""):
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": fake.account_sid}
    if error_code:
        params["ErrorCode"] = error_code
    url = f"http://testserver{PATH}"
    signature = RequestValidator(fake.auth_token).compute_signature(url, params)
    response = client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 204


def retry_now_in_the_admin(client, django_user_model, notification):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    client.post(
        reverse("admin:django_notification_system_notification_changelist"),
        {"action": "retry_now", "_selected_action": [str(notification.pk)]},
    )


def test_retry_now_after_an_undelivered_callback_tracks_the_new_message(
    client, django_user_model, fake_twilio
):
    record = factories.record(factories.user("ada"), "twilio", address=PHONE)
    n = factories.notification(record, title="Your code")
    process_notifications()
    n.refresh_from_db()
    old_sid = n.provider_message_id
    status_callback(client, fake_twilio, old_sid, "undelivered", "30003")
    n.refresh_from_db()
    assert (n.status, n.provider_status) == (Notification.DELIVERY_FAILURE, "undelivered")

    retry_now_in_the_admin(client, django_user_model, n)
    n.refresh_from_db()
    assert (n.status, n.provider_status, n.provider_status_at) == (Notification.RETRY, "", None)

    process_notifications()
    n.refresh_from_db()
    new_sid = n.provider_message_id
    assert n.status == Notification.DELIVERED and new_sid not in ("", old_sid)
    assert (n.provider_status, n.provider_status_at) == ("", None)

    status_callback(client, fake_twilio, old_sid, "failed", "30005")  # the old message
    n.refresh_from_db()
    assert (n.status, n.provider_status) == (Notification.DELIVERED, "")
    assert record.__class__.objects.get(pk=record.pk).active

    status_callback(client, fake_twilio, new_sid, "delivered")  # the new message
    n.refresh_from_db()
    assert (n.status, n.provider_status) == (Notification.DELIVERED, "delivered")
    assert n.provider_status_at is not None


@pytest.mark.parametrize("takeover", [False, True], ids=["retry", "lease-takeover"])
def test_every_re_send_clears_the_previous_attempts_tracking(client, fake_twilio, takeover):
    record = factories.record(factories.user("bo"), "twilio", address=PHONE)
    past = timezone.now() - timedelta(hours=1)
    state = (
        {"status": Notification.SENDING, "lease_expires_at": past}
        if takeover
        else {"status": Notification.RETRY, "retry_attempts": 1}
    )
    n = factories.notification(
        record,
        scheduled_delivery=past,
        attempted_delivery=past,
        provider_message_id="SMold",
        provider_status="undelivered",
        provider_status_at=past,
        **state,
    )

    process_notifications()

    n.refresh_from_db()
    assert n.status == Notification.DELIVERED
    assert n.provider_message_id == fake_twilio.messages[-1]["sid"]
    assert (n.provider_status, n.provider_status_at) == ("", None)
    status_callback(client, fake_twilio, "SMold", "delivered")
    n.refresh_from_db()
    assert n.provider_status == ""
    status_callback(client, fake_twilio, n.provider_message_id, "delivered")
    n.refresh_from_db()
    assert n.provider_status == "delivered"
