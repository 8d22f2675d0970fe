"""Issue 13 case 7: a handler's exception is logged as its type, a redacted reason and the
stack; the address, title and body it quotes are not."""

import logging

import pytest

from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import Notification
from django_notification_system.notification_handlers.errors import redact, redacted_reason
from tests import factories

pytestmark = pytest.mark.django_db

ADDRESS = "leaky-secret@example.com"
TITLE = "Leaky secret title"
BODY = "Leaky secret body"


def logged_text(caplog) -> str:
    return "\n".join(
        f"{r.getMessage()} {r.exc_text or ''} {r.exc_info or ''}" for r in caplog.records
    )


@pytest.mark.parametrize("module_name", ["leaky", "leaky_legacy"])
def test_a_raising_handler_is_logged_without_the_data(caplog, module_name):
    caplog.set_level(logging.DEBUG)
    record = factories.record(factories.user("leaky"), module_name, address=ADDRESS)
    n = factories.notification(record, title=TITLE, body=BODY)

    process_notifications()

    n.refresh_from_db()
    assert n.status == Notification.RETRY
    text = logged_text(caplog)
    assert "raised" in text and ("RuntimeError" in text or "ValueError" in text)
    for secret in (ADDRESS, "leaky-secret", TITLE, BODY):
        assert secret not in text


@pytest.mark.parametrize(
    ("message", "kept", "gone"),
    [
        ('Invalid address "x@secret@example.com"', "Invalid address", "secret"),
        (
            "Header values can't contain newlines (got 'Hi\\r\\nBcc: a@b.c' for header 'Subject')",
            "can't contain newlines",
            "Bcc",
        ),
        ("The 'To' number +1 555 010 9999 is not valid", "is not valid", "555"),
        ('"ExponentPushToken[abc]" is not a registered recipient', "registered", "abc"),
        ("SMTP 550 5.1.1 <bob@example.com> unknown", "550 5.1.1", "bob@"),
    ],
)
def test_redaction_keeps_the_reason_and_drops_the_data(message, kept, gone):
    reason = redacted_reason(ValueError(message))
    assert reason.startswith("ValueError: ")
    assert kept in reason and gone not in reason


def test_known_values_are_redacted_in_any_form():
    title = "Quarterly report\r\nfor Ada"
    assert "Ada" not in redact(f"failed: {title!r}", known=[title])
    assert "Ada" not in redact(f"failed: {title}", known=[title])
