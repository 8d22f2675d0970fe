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
