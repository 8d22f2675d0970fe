"""The process_notifications command: options, one summary line per outcome, errors by name."""

from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.core.management.base import SystemCheckError
from django.test import override_settings

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
    rows = make_due("email", 2)
    out, err = run("--dry-run")
    assert out.splitlines() == ["due (email): 2"]
    assert err == ""
    assert set(statuses(rows).values()) == {Notification.SCHEDULED}
    assert mail.outbox == []


def test_dry_run_is_a_preflight_check_listing_every_problem(make_due):
    rows = make_due("email", 2) + make_due("no_such_channel") + make_due("twilio")
    out, err = StringIO(), StringIO()
    with (
        override_settings(NOTIFICATION_SYSTEM_TARGETS={"emial": {}}),
        pytest.raises(CommandError, match=r"no_such_channel.*twilio"),
    ):
        call_command("process_notifications", "--dry-run", stdout=out, stderr=err)
    assert "due (email): 2" in out.getvalue().splitlines()
    assert "due (no_such_channel, no usable handler): 1" in out.getvalue().splitlines()
    problems = err.getvalue().splitlines()
    assert any("no handler module 'no_such_channel'" in line for line in problems)
    (twilio,) = [line for line in problems if "'twilio'" in line]
    assert '"account_sid", "auth_token", "sender" or "messaging_service_sid"' in twilio
    assert any("unknown channel 'emial' (did you mean 'email'?)" in line for line in problems)
    assert set(statuses(rows).values()) == {Notification.SCHEDULED}


def test_target_limits_the_run_by_target_name_or_module_name(make_due):
    emails = make_due("email", 2)
    others = make_due("scripted", 2)
    run("--target", "Email")
    assert set(statuses(emails).values()) == {Notification.DELIVERED}
    assert set(statuses(others).values()) == {Notification.SCHEDULED}
    run("--target", "scripted", "email")
    assert set(statuses(others).values()) == {Notification.DELIVERED}


def test_an_unknown_target_is_an_error_listing_the_known_ones(make_due):
    rows = make_due("email")
    with pytest.raises(
        CommandError,
        match=r"unknown target\(s\): emial \(did you mean 'email'\?\); known .*Email.*email",
    ):
        run("--target", "emial")
    assert set(statuses(rows).values()) == {Notification.SCHEDULED}


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


@pytest.mark.parametrize(
    "option",
    [
        "--batch-size=0",
        "--batch-size=99999999999999999999",
        "--limit=-1",
        "--interval=-1",
        "--interval=0",
        "--interval=0.5",
        "--interval=nan",
        "--interval=inf",
        "--interval=-inf",
        "--interval=1e300",
    ],
)
def test_bad_option_values_are_refused_before_anything_runs(option, make_due):
    rows = make_due("email")
    with pytest.raises(CommandError, match=option.split("=")[0]):
        run(option, "--loop")
    assert set(statuses(rows).values()) == {Notification.SCHEDULED}


def test_a_released_configuration_error_fails_the_command_and_no_row_fails(make_due):
    unknown = make_due("no_such_channel", 2)
    good = make_due("email", 2)
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError, match="no_such_channel"):
        call_command("process_notifications", stdout=out, stderr=err)
    assert out.getvalue().splitlines() == ["delivered: 2", "released: 2"]
    assert len(err.getvalue().splitlines()) == 1
    assert set(statuses(unknown).values()) == {Notification.RETRY}
    assert set(statuses(good).values()) == {Notification.DELIVERED}
    assert not Notification.objects.filter(status=Notification.DELIVERY_FAILURE).exists()


def test_a_handler_that_fails_to_import_is_a_configuration_error(make_due, tmp_path):
    (tmp_path / "typo.py").write_text("def send_batch(notifications)\n    return []\n")
    broken = make_due("typo", 2)
    good = make_due("email", 2)
    out, err = StringIO(), StringIO()
    handlers = ["tests.dispatch.handlers", str(tmp_path)]
    with (
        override_settings(NOTIFICATION_SYSTEM_HANDLERS=handlers),
        pytest.raises(CommandError, match="typo"),
    ):
        call_command("process_notifications", stdout=out, stderr=err)
    assert "SyntaxError" in err.getvalue()
    assert set(statuses(broken).values()) == {Notification.RETRY}
    assert set(statuses(good).values()) == {Notification.DELIVERED}
    rows = Notification.objects.filter(pk__in=[b.pk for b in broken])
    assert {n.retry_attempts for n in rows} == {0}


def run_checked(*args) -> tuple[str, str]:
    """Run as ``manage.py`` does: with the system checks (``call_command`` skips them)."""
    out, err = StringIO(), StringIO()
    call_command("process_notifications", *args, stdout=out, stderr=err, skip_checks=False)
    return out.getvalue(), err.getvalue()


#: Categories with an email channel and no public URL for unsubscribe links: warning W001.
WARNED = override_settings(
    NOTIFICATION_SYSTEM_CATEGORIES={"news": {"defaults": {"email": True}}},
    NOTIFICATION_SYSTEM_PUBLIC_BASE_URL="",
)


@WARNED
def test_a_one_shot_run_leaves_configuration_warnings_to_check(make_due):
    make_due("email")
    out, err = run_checked()
    assert out.splitlines() == ["delivered: 1"]
    assert err == ""  # cron mails stderr: a warning here would arrive every minute
    check_err = StringIO()
    call_command("check", stdout=StringIO(), stderr=check_err)
    assert "W001" in check_err.getvalue()


@WARNED
def test_a_loop_worker_reports_configuration_warnings_once_at_its_start(make_due, monkeypatch):
    from django_notification_system.management.commands import process_notifications as command

    passes = []
    run_once = command.Command.run_once

    def counted(self, options, stop):
        passes.append(1)
        if len(passes) == 2:
            stop.event.set()
        return run_once(self, options, stop)

    monkeypatch.setattr(command.Command, "run_once", counted)
    # The loop closes idle connections between passes; the test's connection must stay open.
    monkeypatch.setattr(command, "close_stale_connections", lambda: None)
    _, err = run_checked("--loop", "--interval", "1")
    assert len(passes) == 2
    assert err.count("django_notification_system.W001") == 1


@override_settings(NOTIFICATION_SYSTEM_HANDLERS=["no_such_package.handlers"])
def test_a_configuration_error_found_by_the_checks_still_stops_a_one_shot_run(make_due):
    rows = make_due("email")
    with pytest.raises(SystemCheckError, match=r"django_notification_system\.E002"):
        run_checked()
    assert set(statuses(rows).values()) == {Notification.SCHEDULED}
