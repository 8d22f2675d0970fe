"""Email through Django's backends: locmem, anymail's test backend and real SMTP on loopback."""

from __future__ import annotations

import sys

import pytest
import requests
from django.core import mail

from django_notification_system.notification_handlers import email as handler
from django_notification_system.notification_handlers.base import (
    Delivered,
    Failed,
    InactiveAddress,
    Retry,
)
from tests import factories
from tests.channels.conftest import as_dispatched, make_notifications
from tests.channels.email_backends import CountingBackend
from tests.fakes.smtp import FakeSMTP, HangUpServer, free_port

pytestmark = pytest.mark.django_db

HTML = "<h1>News</h1><p>Hello <b>Ada</b> &amp; friends,<br>see you.</p><p>Bye</p>"


def test_html_to_text_keeps_lines_and_drops_tags():
    assert handler.html_to_text(HTML) == "News\nHello Ada & friends,\nsee you.\nBye"


def test_builds_the_message_from_the_notification_and_extra(settings):
    extra = {
        "reply_to": "help@example.com",
        "cc": ["boss@example.com"],
        "bcc": ["audit@example.com"],
        "headers": {"X-Campaign": "spring"},
    }
    [notification] = make_notifications("email", ["ada@example.com"], body=HTML, extra=extra)

    assert handler.send_batch([notification]) == [Delivered()]

    [message] = mail.outbox
    assert message.subject == "Title 0"
    assert message.from_email == "notifications@example.com"
    assert message.to == ["ada@example.com"]
    assert message.body == handler.html_to_text(HTML)
    assert message.alternatives[0][0] == HTML
    assert message.alternatives[0][1] == "text/html"
    assert message.reply_to == ["help@example.com"]
    assert (message.cc, message.bcc) == (["boss@example.com"], ["audit@example.com"])
    assert message.extra_headers == {"X-Campaign": "spring"}


def test_from_email_falls_back_to_default_from_email(settings):
    settings.NOTIFICATION_SYSTEM_TARGETS = {}
    [notification] = make_notifications("email", ["ada@example.com"])
    handler.send_batch([notification])
    assert mail.outbox[0].from_email == settings.DEFAULT_FROM_EMAIL


def email_options(settings, **options) -> None:
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        "email": {**settings.NOTIFICATION_SYSTEM_TARGETS.get("email", {}), **options}
    }


def test_one_connection_per_batch_at_concurrency_1(settings):
    settings.EMAIL_BACKEND = "tests.channels.email_backends.CountingBackend"
    email_options(settings, concurrency=1)
    CountingBackend.opened = CountingBackend.closed = CountingBackend.send_calls = 0
    notifications = make_notifications("email", [f"u{i}@example.com" for i in range(3)])

    outcomes = handler.send_batch(notifications)

    assert outcomes == [Delivered()] * 3
    assert (CountingBackend.opened, CountingBackend.closed) == (1, 1)
    assert CountingBackend.send_calls == 3


def test_works_without_anymail_installed(monkeypatch):
    monkeypatch.setitem(sys.modules, "anymail", None)
    [notification] = make_notifications("email", ["ada@example.com"])
    assert handler.send_batch([notification]) == [Delivered()]


# anymail ---------------------------------------------------------------------------------


@pytest.fixture
def anymail_backend(settings):
    settings.EMAIL_BACKEND = "anymail.backends.test.EmailBackend"
    settings.ANYMAIL = {}


@pytest.fixture
def esp_responses():
    """Address -> what anymail's test ESP answers for it (a status, or an exception)."""
    from anymail.signals import pre_send

    responses: dict[str, object] = {}

    def respond(sender, message, esp_name, **kwargs):
        answer = responses.get(message.to[0])
        if isinstance(answer, str):
            from anymail.message import AnymailRecipientStatus

            status = AnymailRecipientStatus(message_id=None, status=answer)
            message.anymail_test_response = {"recipient_status": {message.to[0]: status}}
        elif answer is not None:
            message.anymail_test_response = answer

    pre_send.connect(respond, weak=False, dispatch_uid="esp_responses")
    yield responses
    pre_send.disconnect(dispatch_uid="esp_responses")


def api_error(status: int):
    from anymail.exceptions import AnymailAPIError

    response = requests.Response()
    response.status_code, response.reason = status, "ESP says no"
    return AnymailAPIError("ESP API error", status_code=status, response=response)


def test_anymail_message_id_tags_and_metadata(settings, anymail_backend):
    email_options(settings, concurrency=1)  # the test ESP's ids are outbox positions
    extra = {"tags": ["welcome"], "metadata": {"user": "7"}}
    notifications = make_notifications("email", ["a@example.com", "b@example.com"], extra=extra)

    outcomes = handler.send_batch(notifications)

    assert outcomes == [Delivered("0"), Delivered("1")]  # the test ESP's ids: outbox positions
    params = mail.outbox[0].anymail_test_params
    assert params["tags"] == ["welcome"]
    assert params["metadata"] == {"user": "7"}
    assert params["html_body"] == notifications[0].body
    assert params["text_body"] == handler.html_to_text(notifications[0].body)


def test_anymail_statuses_and_api_errors(anymail_backend, esp_responses):
    esp_responses.update(
        {
            "invalid@example.com": "invalid",
            "rejected@example.com": "rejected",
            "failed@example.com": "failed",
            "down@example.com": api_error(503),
            "bad@example.com": api_error(400),
        }
    )
    addresses = ["ok@example.com", *esp_responses]
    notifications = make_notifications("email", addresses)

    outcomes = handler.send_batch(notifications)

    assert [type(o) for o in outcomes] == [
        Delivered,
        InactiveAddress,
        Failed,
        Retry,
        Retry,
        Failed,
    ]
    assert "invalid" in outcomes[1].error
    assert "503" in outcomes[4].error


def test_anymail_ignored_recipient_status_is_still_read(settings, anymail_backend, esp_responses):
    settings.ANYMAIL = {"IGNORE_RECIPIENT_STATUS": True}  # anymail raises nothing
    esp_responses["invalid@example.com"] = "invalid"
    [notification] = make_notifications("email", ["invalid@example.com"])
    [outcome] = handler.send_batch([notification])
    assert isinstance(outcome, InactiveAddress)


# SMTP on loopback ------------------------------------------------------------------------


@pytest.fixture
def smtp_settings(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_TIMEOUT = 5
    email_options(settings, concurrency=1)  # connection counts below are per worker
    return settings


def test_smtp_refused_recipients_do_not_lose_the_other_messages(smtp_settings):
    refuse = {
        "gone@example.com": "550 5.1.1 User unknown",
        "busy@example.com": "450 4.2.1 Mailbox busy, try later",
        "spam@example.com": "550 5.7.1 Rejected by policy",
        "nomailbox@example.com": "553 Mailbox name not allowed",
    }
    with FakeSMTP(refuse=refuse) as smtp:
        smtp_settings.EMAIL_PORT = smtp.port
        addresses = ["first@example.com", *refuse, "last@example.com"]
        outcomes = handler.send_batch(make_notifications("email", addresses))

    assert [type(o) for o in outcomes] == [
        Delivered,
        InactiveAddress,
        Retry,
        Failed,
        InactiveAddress,
        Delivered,
    ]
    assert "5.1.1" in outcomes[1].error
    assert [m.rcpt_tos for m in smtp.received] == [["first@example.com"], ["last@example.com"]]
    assert len(smtp.peers) == 1  # one connection for the whole batch
    assert b"Subject: Title 0" in smtp.received[0].content


def test_smtp_dropped_connection_retries_that_message_and_reconnects(smtp_settings):
    with FakeSMTP(drop={"drop@example.com"}) as smtp:
        smtp_settings.EMAIL_PORT = smtp.port
        addresses = ["first@example.com", "drop@example.com", "last@example.com"]
        outcomes = handler.send_batch(make_notifications("email", addresses))

    assert [type(o) for o in outcomes] == [Delivered, Retry, Delivered]
    assert "SMTPServerDisconnected" in outcomes[1].error
    assert [m.rcpt_tos for m in smtp.received] == [["first@example.com"], ["last@example.com"]]
    assert len(smtp.peers) == 2


def test_smtp_421_retries_and_reconnects_for_the_rest(smtp_settings):
    with FakeSMTP(refuse={"closing@example.com": "421 4.3.2 Shutting down"}) as smtp:
        smtp_settings.EMAIL_PORT = smtp.port
        addresses = ["closing@example.com", "next@example.com"]
        outcomes = handler.send_batch(make_notifications("email", addresses))

    assert [type(o) for o in outcomes] == [Retry, Delivered]
    assert [m.rcpt_tos for m in smtp.received] == [["next@example.com"]]
    assert len(smtp.peers) == 2


def test_smtp_server_that_hangs_up_or_is_absent_retries_everything(smtp_settings):
    notifications = make_notifications("email", ["a@example.com", "b@example.com"])
    with HangUpServer() as server:
        smtp_settings.EMAIL_PORT = server.port
        hung_up = handler.send_batch(notifications)
    smtp_settings.EMAIL_PORT = free_port()
    absent = handler.send_batch(notifications)

    assert all(isinstance(o, Retry) for o in hung_up + absent)
    assert "SMTPServerDisconnected" in hung_up[0].error
    assert "ConnectionRefusedError" in absent[0].error


@pytest.mark.parametrize(
    "fields",
    [
        {"title": "Hi\x0bthere"},
        {"title": "Hi\x1cthere"},
        {"extra": {"headers": {"X-Tag\r\nBcc: evil@example.com": "1"}}},
        {"extra": {"headers": {"X-Tag": "1\x0bBcc: evil@example.com"}}},
    ],
    ids=["vt-title", "fs-title", "header-name", "header-value"],
)
def test_a_message_no_mail_can_carry_is_failed_not_retried_nor_sent(fields):
    """Rows saved without the creation checks (1.5.3 code calling save()) are Failed, not
    retried forever, and never reach the backend, where they would inject headers."""
    batch_row, single_row = (
        factories.notification(factories.record(factories.user(name)), **fields)
        for name in ("ada", "bob")
    )
    [outcome] = handler.send_batch(as_dispatched([batch_row]))
    assert isinstance(outcome, Failed)
    assert "evil" not in outcome.error
    row = as_dispatched([single_row])[0]
    assert handler.send_notification(row) != handler.SENT_MESSAGE
    row.refresh_from_db()
    assert row.status == row.DELIVERY_FAILURE
    assert mail.outbox == []


def test_pythons_header_write_error_is_failed():
    """Python 3.11.10+ refuses to write a header it would split (HeaderWriteError)."""
    import email.errors

    error = getattr(email.errors, "HeaderWriteError", email.errors.MessageError)
    outcome, broken = handler.classify_error(error("folded"), None, "a@example.com")
    assert isinstance(outcome, Failed) and not broken
