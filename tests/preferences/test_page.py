"""The preferences page through Django's test client: login required, locked cells disabled,
saving goes through ``set_preference``, templates overridable."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest
from django.test import override_settings

from django_notification_system.models import NotificationPreference, NotificationUserSettings
from django_notification_system.preferences import is_enabled, set_preference
from tests import factories

pytestmark = pytest.mark.django_db

URL = "/notifications/preferences/"


@pytest.fixture
def ada(client):
    user = factories.user("ada")
    client.force_login(user)
    return user


def test_login_is_required(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/notifications/preferences/")


def test_the_matrix_is_a_form_with_locked_cells_disabled(client, ada):
    set_preference(ada, category="news", channel="email", enabled=True)
    response = client.get(URL)
    assert response.status_code == 200
    form = response.context["form"]
    assert form["news/email"].value() is True
    assert form["comments/twilio"].value() is False
    assert form.fields["security/expo"].disabled
    assert form.fields["billing/email"].disabled
    assert not form.fields["billing/twilio"].disabled
    html = response.content.decode()
    assert 'name="security/email"' in html and "disabled" in html
    assert "Comments on your posts" in html


def test_saving_changes_only_what_the_user_changed(client, ada):
    # The defaults as the page shows them (unticked boxes are absent from a POST), plus
    # forged values for locked cells, which disabled fields ignore.
    data = {
        "comments/email": "on",
        "comments/expo": "on",
        "comments/in_app": "on",
        "news/expo": "on",
        "news/in_app": "on",
        "news/twilio": "on",
        "billing/expo": "on",
        "billing/in_app": "on",
        "billing/twilio": "on",
        "comments/webpush": "on",
        "news/webpush": "on",
        "billing/webpush": "on",
    }
    response = client.post(URL, {**data, "billing/email": "", "security/email": ""})
    assert response.status_code == 302
    assert not NotificationPreference.objects.exists()  # nothing changed: no row
    assert is_enabled(ada, "billing", "email")
    del data["comments/email"]
    data["news/email"] = "on"
    client.post(URL, data)
    stored = set(NotificationPreference.objects.values_list("category", "channel", "enabled"))
    assert stored == {("comments", "email", False), ("news", "email", True)}
    page = client.get(URL)
    assert "Your notification preferences were saved (2 changed)." in page.content.decode()


@override_settings(
    TEMPLATES=[
        {
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "DIRS": [Path(__file__).parent / "templates"],
            "APP_DIRS": True,
            "OPTIONS": {
                "context_processors": [
                    "django.template.context_processors.request",
                    "django.contrib.auth.context_processors.auth",
                    "django.contrib.messages.context_processors.messages",
                ]
            },
        }
    ]
)
def test_templates_are_overridable(client, ada):
    response = client.get(URL)
    assert response.status_code == 200
    assert b"<h1>Project's own preferences page</h1>" in response.content


def test_time_zone_and_quiet_hours_are_shown_and_saved(client, ada):
    html = client.get(URL).content.decode()
    assert 'name="quiet-timezone"' in html and 'name="quiet-quiet_hours_start"' in html
    quiet = {
        "quiet-timezone": "Australia/Sydney",
        "quiet-quiet_hours_start": "22:00",
        "quiet-quiet_hours_end": "07:00",
    }
    assert client.post(URL, {"comments/email": "on", **quiet}).status_code == 302
    row = NotificationUserSettings.objects.get(user=ada)
    assert (row.timezone, row.quiet_hours_start, row.quiet_hours_end) == (
        "Australia/Sydney",
        time(22),
        time(7),
    )
    page = client.get(URL)
    assert page.context["quiet_form"]["quiet_hours_start"].value() == time(22)


def test_bad_quiet_hours_save_nothing_and_say_why(client, ada):
    quiet = {"quiet-timezone": "Mars/Base", "quiet-quiet_hours_start": "22:00"}
    response = client.post(URL, {"news/email": "on", **quiet})
    assert response.status_code == 200
    html = response.content.decode()
    assert "is not an IANA time zone" in html
    assert not NotificationUserSettings.objects.exists()
    assert not NotificationPreference.objects.exists()  # the matrix was not saved either
