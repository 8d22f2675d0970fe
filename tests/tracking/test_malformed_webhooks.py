"""Issue 13 case 8: webhook endpoints answer 4xx, never 500, to malformed input (NUL bytes,
wrong encodings, ESPs that are not configured), and change nothing."""

from __future__ import annotations

import base64
import json

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from django_notification_system.models import Notification, TargetUserRecord
from django_notification_system.tracking.anymail_urls import urlpatterns as anymail_patterns
from tests.tracking.conftest import sent_notification

pytestmark = pytest.mark.django_db(transaction=True)

TOKEN = "twilio-test-auth-token"
PATH = "/notifications/twilio/status/"
SECRET = "hook-user:hook-pass"
AUTH = {"HTTP_AUTHORIZATION": "Basic " + base64.b64encode(SECRET.encode()).decode()}

BODIES = {
    "nul-json": (json.dumps({"MessageID": "id\x00", "RecordType": "Bounce"}), "application/json"),
    "nul-raw": (b"\x00\x00\x00", "application/json"),
    "latin-1": ('{"event": "d\xe9livr\xe9"}'.encode("latin-1"), "application/json"),
    "bad-utf8-form": (b"event=%FF%FE&message=\xff", "application/x-www-form-urlencoded"),
    "not-json": (b"{{{", "application/json"),
    "json-list": (b"[1, 2, 3]", "application/json"),
    "empty": (b"", "application/json"),
}


def snapshot() -> list:
    return [
        list(Notification.objects.order_by("pk").values()),
        list(TargetUserRecord.objects.order_by("pk").values()),
    ]


@pytest.fixture
def rows():
    sent_notification("email", "msg-1")
    sent_notification("twilio", "SM1", username="bo")


@pytest.fixture(autouse=True)
def webhook_settings(settings):
    settings.ANYMAIL = {"WEBHOOK_SECRET": SECRET}
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        "twilio_sms": {"account_sid": "AC" + "0" * 32, "auth_token": TOKEN, "sender": "+1"}
    }


def anymail_urls() -> list[str]:
    return [f"/anymail/{pattern.pattern}" for pattern in anymail_patterns]


@pytest.mark.parametrize("authenticated", [False, True], ids=["anonymous", "authenticated"])
def test_every_anymail_endpoint_answers_4xx_to_malformed_bodies(rows, authenticated):
    client = Client(raise_request_exception=False)
    before = snapshot()
    answers = {}
    for url in anymail_urls():
        for name, (body, content_type) in BODIES.items():
            headers = AUTH if authenticated else {}
            response = client.post(url, body, content_type=content_type, **headers)
            answers[(url, name)] = response.status_code
    server_errors = {key: status for key, status in answers.items() if status >= 500}
    assert server_errors == {}
    not_4xx = {key: status for key, status in answers.items() if not 400 <= status < 500}
    assert not_4xx == {}
    assert snapshot() == before


def signed_post(client, params):
    url = f"http://testserver{PATH}"
    signature = RequestValidator(TOKEN).compute_signature(url, params)
    return client.post(PATH, params, HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.mark.parametrize(
    "params",
    [
        {"MessageSid": "SM1\x00", "MessageStatus": "delivered"},
        {"MessageSid": "SM1", "MessageStatus": "undelivered", "ErrorCode": "30003\x00"},
        {"MessageSid": "SM1", "MessageStatus": "deli\x00vered"},
    ],
    ids=["sid", "error-code", "status"],
)
def test_signed_twilio_callback_with_a_nul_byte_is_a_400(rows, params):
    client = Client(raise_request_exception=False)
    before = snapshot()
    response = signed_post(client, params)
    assert response.status_code == 400
    assert snapshot() == before


def test_twilio_callback_with_a_broken_content_length_or_encoding_is_a_4xx(rows):
    client = Client(raise_request_exception=False)
    before = snapshot()
    odd = client.post(
        PATH,
        b"MessageSid=SM1",
        content_type="application/x-www-form-urlencoded",
        CONTENT_LENGTH="not-a-number",
        HTTP_X_TWILIO_SIGNATURE="x",
    )
    latin = client.post(
        PATH,
        "MessageSid=SM1&MessageStatus=d\xe9livr\xe9".encode("latin-1"),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_TWILIO_SIGNATURE="x",
    )
    assert 400 <= odd.status_code < 500 and 400 <= latin.status_code < 500
    assert snapshot() == before
