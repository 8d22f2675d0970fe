"""The demo delivers over all three channels against the fakes, with no credentials."""

from io import StringIO

import pytest
from django.core.management import call_command

pytestmark = pytest.mark.django_db


def test_demo_deliver_reports_every_channel():
    call_command("seed_demo", stdout=StringIO())
    out = StringIO()

    call_command("demo_deliver", stdout=out)

    report = out.getvalue()
    assert "Fake Twilio accepted" in report and "fake Expo accepted" in report
    for channel in ("Email:", "Expo:", "Twilio:"):
        assert channel in report


def test_the_demo_can_be_run_again_and_says_it_reset_its_data():
    first_seed, first_report = StringIO(), StringIO()
    call_command("seed_demo", stdout=first_seed)
    call_command("demo_deliver", stdout=first_report)
    assert "for the first time" in first_seed.getvalue()
    for _ in range(2):
        seed, report = StringIO(), StringIO()
        call_command("seed_demo", stdout=seed)
        call_command("demo_deliver", stdout=report)
        assert "previous demo users and their notifications were reset" in seed.getvalue()
        # Same data, same outcomes: the channel report is identical to the first run's.
        assert _channel_report(report) == _channel_report(first_report)


def _channel_report(out: StringIO) -> list[str]:
    return [line for line in out.getvalue().splitlines() if not line.startswith("Fake")]
