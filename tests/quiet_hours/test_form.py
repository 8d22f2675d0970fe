"""QuietHoursForm: a user's own time zone and quiet hours, validated by the model."""

from datetime import time

import pytest

from django_notification_system.models import NotificationUserSettings
from django_notification_system.quiet_hours import set_quiet_hours
from django_notification_system.quiet_hours.forms import QuietHoursForm
from tests import factories

pytestmark = pytest.mark.django_db


def data(**fields) -> dict:
    values = {"timezone": "Europe/Berlin", "quiet_hours_start": "", "quiet_hours_end": ""}
    values.update(fields)
    return {f"quiet-{name}": value for name, value in values.items()}


def test_showing_the_form_creates_no_row():
    form = QuietHoursForm(factories.user())
    assert "Australia/Sydney" in str(form["timezone"])
    assert not NotificationUserSettings.objects.exists()


def test_saving_creates_the_row_on_demand_then_updates_it():
    user = factories.user()
    form = QuietHoursForm(user, data=data(quiet_hours_start="22:15", quiet_hours_end="06:30"))
    assert form.is_valid(), form.errors
    form.save()
    row = NotificationUserSettings.objects.get(user=user)
    assert (row.timezone, row.quiet_hours_start, row.quiet_hours_end) == (
        "Europe/Berlin",
        time(22, 15),
        time(6, 30),
    )
    form = QuietHoursForm(user, data=data(timezone="Asia/Kolkata"))
    assert form.is_valid(), form.errors
    form.save()
    row.refresh_from_db()
    assert (row.timezone, row.has_quiet_hours) == ("Asia/Kolkata", False)
    assert NotificationUserSettings.objects.count() == 1


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"timezone": "Atlantis/Capital"}, "not an IANA time zone"),
        ({"quiet_hours_start": "23:00"}, "both the start and the end"),
        ({"quiet_hours_start": "23:00", "quiet_hours_end": "23:00"}, "empty"),
        ({"quiet_hours_start": "25:99", "quiet_hours_end": "07:00"}, "valid time"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_saved(fields, message):
    user = factories.user()
    set_quiet_hours(user, "21:00", "07:00", timezone="Europe/Madrid")
    form = QuietHoursForm(user, data=data(**fields))
    assert not form.is_valid()
    assert message in str(form.errors)
    row = NotificationUserSettings.objects.get(user=user)
    assert (row.timezone, row.quiet_hours_start) == ("Europe/Madrid", time(21))
