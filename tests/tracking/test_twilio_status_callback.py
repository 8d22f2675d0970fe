"""Twilio StatusCallback: signatures checked with the real RequestValidator."""

import pytest
from django.test import override_settings
from twilio.request_validator import RequestValidator

from django_notification_system.models import Notification
from tests.tracking.conftest import sent_notification

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "twilio-test-auth-token"
PATH = "/notifications/twilio/status/"
TWILIO = {"twilio_sms": {"account_sid": "AC" + "0" * 32, "auth_token": TOKEN, "sender": "+1"}}


@pytest.fixture(autouse=True)
def twilio_settings(settings):
    settings.NOTIFICATION_SYSTEM_TARGETS = TWILIO


def signed_post(client, params, url=f"http://testserver{PATH}", token=TOKEN, **extra):
    signature = RequestValidator(token).compute_signature(url, params)
    return client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=signature, **extra)


def callback(sid, status, error_code=None):
    params = {"MessageSid": sid, "MessageStatus": status, "AccountSid": "AC" + "0" * 32}
    if error_code:
        params["ErrorCode"] = error_code
    return params


def test_delivered_records_the_provider_status(client, reports_applied):
    n = sent_notification("twilio", "SM1")
    response = signed_post(client, callback("SM1", "delivered"))
    assert response.status_code == 204
    n.refresh_from_db()
    assert (n.status, n.provider_status) == (Notification.DELIVERED, "delivered")
    assert n.provider_status_at is not None
    assert reports_applied == [
        {
            "notification_ids": [n.pk],
            "provider_status": "delivered",
            "effect": "record",
            "error": "",
        }
    ]


@pytest.mark.parametrize(
    ("status", "code", "expected_status", "record_active"),
    [
        ("undelivered", "30005", Notification.INACTIVE_DEVICE, False),
        ("failed", "21610", Notification.OPTED_OUT, False),
        ("undelivered", "30003", Notification.DELIVERY_FAILURE, True),
        ("failed", "", Notification.DELIVERY_FAILURE, True),
    ],
)
def test_failures_are_classified_by_error_code(
    client, status, code, expected_status, record_active
):
    n = sent_notification("twilio", "SM2")
    assert signed_post(client, callback("SM2", status, code)).status_code == 204
    n.refresh_from_db()
    assert n.status == expected_status
    assert n.provider_status == status
    assert (code or status) in n.last_error
    n.target_user_record.refresh_from_db()
    assert n.target_user_record.active is record_active


@pytest.mark.parametrize("tamper", ["status", "sid", "signature", "token", "missing"])
def test_bad_signature_is_refused_and_changes_nothing(client, tamper, reports_applied):
    n = sent_notification("twilio", "SM3")
    other = sent_notification("twilio", "SM4", username="bob")
    params = callback("SM3", "undelivered", "30005")
    signature = RequestValidator(TOKEN).compute_signature(f"http://testserver{PATH}", params)
    headers = {"HTTP_X_TWILIO_SIGNATURE": signature}
    if tamper == "status":
        params = {**params, "MessageStatus": "failed", "ErrorCode": "21610"}
    elif tamper == "sid":
        params = {**params, "MessageSid": "SM4"}
    elif tamper == "signature":
        headers["HTTP_X_TWILIO_SIGNATURE"] = signature[:-4] + "AAA="
    elif tamper == "token":
        headers["HTTP_X_TWILIO_SIGNATURE"] = RequestValidator("wrong").compute_signature(
            f"http://testserver{PATH}", params
        )
    else:
        headers = {}
    response = client.post(PATH, params, **headers)
    assert response.status_code == 403
    for row in (n, other):
        row.refresh_from_db()
        assert (row.status, row.provider_status) == (Notification.DELIVERED, "")
        assert row.target_user_record.active
    assert reports_applied == []


def test_replayed_callback_changes_nothing_twice(client, reports_applied):
    n = sent_notification("twilio", "SM5")
    params = callback("SM5", "undelivered", "30003")
    assert signed_post(client, params).status_code == 204
    n.refresh_from_db()
    first_modified = n.modified_date
    assert signed_post(client, params).status_code == 204
    n.refresh_from_db()
    assert n.modified_date == first_modified
    assert len(reports_applied) == 1


def test_a_late_in_flight_status_never_moves_a_notification_backwards(client):
    n = sent_notification("twilio", "SM6")
    signed_post(client, callback("SM6", "delivered"))
    signed_post(client, callback("SM6", "sent"))
    n.refresh_from_db()
    assert n.provider_status == "delivered"


def test_unknown_sid_and_other_channels_are_ignored(client, reports_applied):
    email = sent_notification("email", "SM7")
    assert signed_post(client, callback("SM-unknown", "delivered")).status_code == 204
    assert signed_post(client, callback("SM7", "failed", "21610")).status_code == 204
    email.refresh_from_db()
    assert (email.status, email.provider_status) == (Notification.DELIVERED, "")
    assert reports_applied == []


def test_public_base_url_behind_a_proxy(client):
    n = sent_notification("twilio", "SM8")
    params = callback("SM8", "delivered")
    with override_settings(NOTIFICATION_SYSTEM_PUBLIC_BASE_URL="https://public.example.com/"):
        # Signed over the internal URL: Twilio never saw that one.
        assert signed_post(client, params).status_code == 403
        response = signed_post(client, params, url=f"https://public.example.com{PATH}")
    assert response.status_code == 204
    n.refresh_from_db()
    assert n.provider_status == "delivered"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"MessageStatus": "delivered"}, 400),
        ({"MessageSid": "SM9"}, 400),
        ({"MessageSid": "SM9", "MessageStatus": "read"}, 204),
        ({"MessageSid": "SM9", "MessageStatus": "\u0000weird"}, 400),  # NUL: refused
    ],
)
def test_malformed_or_unknown_callbacks_change_nothing(client, params, expected):
    n = sent_notification("twilio", "SM9")
    assert signed_post(client, params).status_code == expected
    n.refresh_from_db()
    assert n.provider_status == ""


def test_get_and_huge_payloads_are_refused(client):
    n = sent_notification("twilio", "SM10")
    assert client.get(PATH).status_code == 405
    params = {**callback("SM10", "delivered"), "Body": "x" * 70_000}
    assert signed_post(client, params).status_code == 413
    n.refresh_from_db()
    assert n.provider_status == ""


def test_missing_auth_token_refuses_and_names_the_key(client, settings, caplog):
    settings.NOTIFICATION_SYSTEM_TARGETS = {"twilio_sms": {"account_sid": "AC1"}}
    n = sent_notification("twilio", "SM11")
    assert signed_post(client, callback("SM11", "delivered")).status_code == 403
    assert 'NOTIFICATION_SYSTEM_TARGETS["twilio_sms"]["auth_token"]' in caplog.text
    n.refresh_from_db()
    assert n.provider_status == ""


def test_handler_passes_the_status_callback_when_a_public_url_is_set(settings):
    from django_notification_system.notification_handlers import twilio as handler

    assert handler.twilio_settings().status_callback is None
    settings.NOTIFICATION_SYSTEM_PUBLIC_BASE_URL = "https://public.example.com"
    assert handler.twilio_settings().status_callback == f"https://public.example.com{PATH}"
    # An explicit status_callback wins.
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        "twilio_sms": {**TWILIO["twilio_sms"], "status_callback": "https://hooks.example.com/x"}
    }
    assert handler.twilio_settings().status_callback == "https://hooks.example.com/x"
