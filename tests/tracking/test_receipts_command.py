"""check_push_receipts output a person can act on: checked vs claimed and released, one line
per problem, no traceback when Expo cannot be reached."""

import socket
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from django_notification_system.models import Notification
from tests.tracking.conftest import sent_notification

pytestmark = pytest.mark.django_db


def closed_port_url() -> str:
    """An http URL on loopback where nothing listens (connection refused)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_expo_unreachable_checks_nothing_releases_the_claims_and_says_so(caplog):
    row = sent_notification("expo", "ticket-1")
    Notification.objects.filter(pk=row.pk).update(
        attempted_delivery=timezone.now() - timedelta(minutes=30)
    )
    out, err = StringIO(), StringIO()
    targets = {"expo": {"host": closed_port_url(), "timeout": 2}}
    with override_settings(NOTIFICATION_SYSTEM_TARGETS=targets), pytest.raises(CommandError):
        call_command("check_push_receipts", stdout=out, stderr=err)
    assert out.getvalue().splitlines() == [
        "checked: 0 of 1 claimed ticket(s) in 0 request(s)",
        "released unchecked: 1",
    ]
    (line,) = err.getvalue().splitlines()
    assert line.startswith("error: Expo receipts request failed: ")
    assert not [r for r in caplog.records if r.exc_info], "no traceback for a network failure"
    row.refresh_from_db()
    assert (row.status, row.provider_status) == (Notification.DELIVERED, "")


def test_nothing_due_is_zero_of_zero():
    out = StringIO()
    call_command("check_push_receipts", stdout=out)
    assert out.getvalue().splitlines() == ["checked: 0 of 0 claimed ticket(s) in 0 request(s)"]
