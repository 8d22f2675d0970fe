"""Digest windows in the admin (read-only, held counts, filters) and HELD rows in the
notification changelist's summary."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DigestWindow
from django_notification_system.preferences import set_preference
from tests import factories
from tests.digests.conftest import make_items

pytestmark = pytest.mark.django_db

WINDOWS = "admin:django_notification_system_digestwindow_changelist"


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    return client


@pytest.fixture
def held():
    """Ann: 3 comments held by the category's digest; Bob: 2 news held daily."""
    make_items(factories.record(factories.user("ann")), 3)
    bob = factories.user("bob")
    set_preference(bob, category="news", channel="email", frequency="daily")
    make_items(factories.record(bob), 2, category="news", prefix="n")
    process_notifications()


def listed(html: str) -> list[list[str]]:
    """The changelist's rows, as the words of their cells."""
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)
    return sorted(re.sub(r"<[^>]+>", " ", row).split() for row in rows if "field-held" in row)


def test_windows_are_listed_with_their_held_counts_and_frequency(staff_client, held):
    with CaptureQueriesContext(connection) as ctx:
        html = staff_client.get(reverse(WINDOWS)).content.decode()
    assert len(ctx.captured_queries) < 15
    assert listed(html) == [
        ["ann", "Email", "comments", "-", "3", "-", "-"],
        ["bob", "Email", "news", "daily", "2", "-", "-"],
    ]
    for query in ({"frequency": "daily"}, {"category": "news"}):
        filtered = staff_client.get(reverse(WINDOWS), query).content.decode()
        assert [row[0] for row in listed(filtered)] == ["bob"]


def test_windows_are_read_only(staff_client, held):
    window = DigestWindow.objects.get(category="news")
    url = reverse("admin:django_notification_system_digestwindow_change", args=[window.pk])
    page = staff_client.get(url).content.decode()
    assert 'name="_save"' not in page
    assert staff_client.post(url, {"category": "other"}).status_code == 403
    delete = reverse("admin:django_notification_system_digestwindow_delete", args=[window.pk])
    assert staff_client.post(delete, {"post": "yes"}).status_code == 403
    assert (
        staff_client.get(reverse("admin:django_notification_system_digestwindow_add")).status_code
        == 403
    )
    window.refresh_from_db()
    assert window.category == "news"


def test_the_notification_summary_counts_held_rows(staff_client, held):
    html = staff_client.get(
        reverse("admin:django_notification_system_notification_changelist")
    ).content.decode()
    row = re.search(r'<tr data-channel="Email">(.*?)</tr>', html, re.S).group(1)
    value = re.search(r'<td data-status="HELD">(.*?)</td>', row, re.S).group(1)
    assert re.sub(r"<[^>]+>", "", value).strip() == "5"
    assert "Held for a digest" in html
    total = re.search(r'<td data-status="total">(.*?)</td>', row, re.S).group(1)
    assert total.strip() == "5"
