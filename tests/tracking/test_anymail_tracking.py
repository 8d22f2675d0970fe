"""ESP tracking events through anymail's real Postmark webhook view and basic auth."""

import base64
import json

import pytest

from django_notification_system.models import Notification
from tests.tracking.conftest import sent_notification

pytestmark = pytest.mark.django_db(transaction=True)

URL = "/anymail/postmark/tracking/"
SECRET = "hook-user:hook-pass"


@pytest.fixture(autouse=True)
def anymail_settings(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}


def auth(secret=SECRET):
    return {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(secret.encode()).decode()}


def post(client, payload, **headers):
    return client.post(URL, json.dumps(payload), content_type="application/json", **headers)


def bounce(message_id):
    return {
        "RecordType": "Bounce",
        "Type": "HardBounce",
        "MessageID": message_id,
        "Email": "ada@example.com",
        "BouncedAt": "2026-11-22T06:00:00Z",
        "Description": "The server was unable to deliver your message.",
    }


def test_bounce_fails_the_notification_and_retires_the_address(client, reports_applied):
    n = sent_notification("email", "pm-1")
    assert post(client, bounce("pm-1"), **auth()).status_code == 200
    n.refresh_from_db()
    assert n.status == Notification.DELIVERY_FAILURE
    assert n.provider_status == "bounced"
    assert "bounced" in n.last_error
    n.target_user_record.refresh_from_db()
    assert n.target_user_record.active is False
    assert [r["effect"] for r in reports_applied] == ["bounced"]


def test_delivery_event_records_provider_status(client):
    n = sent_notification("email", "pm-2")
    payload = {
        "RecordType": "Delivery",
        "MessageID": "pm-2",
        "Recipient": "ada@example.com",
        "DeliveredAt": "2026-11-22T06:00:00Z",
    }
    assert post(client, payload, **auth()).status_code == 200
    n.refresh_from_db()
    assert (n.status, n.provider_status) == (Notification.DELIVERED, "delivered")


def test_complaint_retires_the_address_but_keeps_the_delivery(client):
    n = sent_notification("email", "pm-3")
    payload = {
        "RecordType": "SpamComplaint",
        "Type": "SpamComplaint",
        "MessageID": "pm-3",
        "Email": "ada@example.com",
        "BouncedAt": "2026-11-22T06:00:00Z",
    }
    assert post(client, payload, **auth()).status_code == 200
    n.refresh_from_db()
    assert (n.status, n.provider_status) == (Notification.DELIVERED, "complained")
    n.target_user_record.refresh_from_db()
    assert n.target_user_record.active is False


@pytest.mark.parametrize("headers", [{}, auth("hook-user:wrong"), auth("other:hook-pass")])
def test_tracking_call_without_the_secret_is_rejected(client, headers, reports_applied):
    n = sent_notification("email", "pm-4")
    response = post(client, bounce("pm-4"), **headers)
    assert response.status_code in (400, 403)
    n.refresh_from_db()
    assert (n.status, n.provider_status) == (Notification.DELIVERED, "")
    n.target_user_record.refresh_from_db()
    assert n.target_user_record.active
    assert reports_applied == []


def test_replayed_event_is_applied_once(client, reports_applied):
    n = sent_notification("email", "pm-5")
    for _ in range(2):
        assert post(client, bounce("pm-5"), **auth()).status_code == 200
    assert len(reports_applied) == 1
    n.refresh_from_db()
    assert n.status == Notification.DELIVERY_FAILURE


def test_events_for_unknown_ids_other_channels_and_other_types_are_ignored(
    client, reports_applied
):
    sms = sent_notification("twilio", "pm-6")
    assert post(client, bounce("not-ours"), **auth()).status_code == 200
    assert post(client, bounce("pm-6"), **auth()).status_code == 200
    opened = {
        "RecordType": "Open",
        "MessageID": "pm-6",
        "Recipient": "x@example.com",
        "ReceivedAt": "2026-11-22T06:00:00Z",
    }
    assert post(client, opened, **auth()).status_code == 200
    sms.refresh_from_db()
    assert (sms.status, sms.provider_status) == (Notification.DELIVERED, "")
    assert reports_applied == []


@pytest.mark.parametrize("body", ["{not json", "[]", '"x"', '{"RecordType": "Bounce"}'])
def test_malformed_authenticated_bodies_are_400_and_change_nothing(client, body):
    n = sent_notification("email", "pm-7")
    client.raise_request_exception = False
    response = client.post(URL, body, content_type="application/json", **auth())
    assert response.status_code in (200, 400)
    assert response.status_code != 500
    n.refresh_from_db()
    assert (n.status, n.provider_status) == (Notification.DELIVERED, "")


def test_huge_payload_is_refused(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024 * 1024
    n = sent_notification("email", "pm-8")
    client.raise_request_exception = False
    payload = {**bounce("pm-8"), "Description": "x" * (2 * 1024 * 1024)}
    response = post(client, payload, **auth())
    assert 400 <= response.status_code < 500
    n.refresh_from_db()
    assert n.provider_status == ""
