"""The process_notifications command: options, one summary line per outcome, errors by name."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from django_notification_system.models import Notification
from tests.dispatch.conftest import statuses

pytestmark = pytest.mark.django_db


def run(*args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("process_notifications", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_summary_has_one_line_per_outcome_and_no_progress_off_a_terminal(make_due):
    make_due("email", 2)
    make_due("scripted", extra={"outcome": "failed"})
    out, _ = run()
    assert out.splitlines() == ["delivered: 2", "delivery failure: 1"]
    assert "\r" not in out


def test_no_addresses_or_bodies_in_the_output(make_due):
    rows = make_due("email", 2, body="<p>secret body</p>")
    out, err = run()
    for row in rows:
        assert row.target_user_record.target_user_id not in out + err
    assert "secret" not in out + err


def test_dry_run_counts_and_changes_nothing(make_due):
    rows = make_due("email", 2) + make_due("no_such_channel")
    out, _ = run("--dry-run")
    assert "due (email): 2" in out.splitlines()
    assert "due (no_such_channel, no usable handler): 1" in out.splitlines()
    assert set(statuses(rows).values()) == {Notification.SCHEDULED}
    assert mail.outbox == []


def test_target_limits_the_run_by_target_name_or_module_name(make_due):
    emails = make_due("email", 2)
    others = make_due("scripted", 2)
    run("--target", "Email")
    assert set(statuses(emails).values()) == {Notification.DELIVERED}
    assert set(statuses(others).values()) == {Notification.SCHEDULED}
    run("--target", "scripted", "nothing")
    assert set(statuses(others).values()) == {Notification.DELIVERED}


def test_limit_and_batch_size(make_due):
    rows = make_due("email", 5)
    out, _ = run("--limit", "3", "--batch-size", "2")
    assert out.splitlines() == ["delivered: 3"]
    assert list(statuses(rows).values()).count(Notification.SCHEDULED) == 2


def test_nothing_due(make_due):
    assert run()[0].splitlines() == ["nothing due"]


def test_a_configuration_error_fails_the_command_naming_it(make_due):
    make_due("misconfigured")
    make_due("email")
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="misconfigured"):
        call_command("process_notifications", stdout=out, stderr=err)
    assert 'NOTIFICATION_SYSTEM_TARGETS["misconfigured"]["api_key"]' in err.getvalue()
    assert "delivered: 1" in out.getvalue().splitlines()


@pytest.mark.parametrize("option", ["--batch-size=0", "--limit=-1", "--interval=-1"])
def test_bad_option_values_are_refused(option):
    with pytest.raises(CommandError):
        run(option)
