"""The per-channel, per-status count summary on top of the notification changelist."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from django_notification_system.admin import status_summary
from django_notification_system.models import Notification
from tests import factories

pytestmark = pytest.mark.django_db

URL = "admin:django_notification_system_notification_changelist"


@pytest.fixture
def staff_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    return client


@pytest.fixture
def mixed():
    """Email: 2 scheduled, 1 delivered, 3 failed. Pigeon: 1 scheduled, 1 delivered."""
    now = timezone.now()
    email = factories.record(factories.user("e"))
    pigeon = factories.record(factories.user("p"), module_name="pigeon", address="loft-1")
    spec = [
        (email, Notification.SCHEDULED, 2),
        (email, Notification.DELIVERED, 1),
        (email, Notification.DELIVERY_FAILURE, 3),
        (pigeon, Notification.SCHEDULED, 1),
        (pigeon, Notification.DELIVERED, 1),
    ]
    for record, status, count in spec:
        for i in range(count):
            attempted = None if status == Notification.SCHEDULED else now
            factories.notification(
                record, title=f"{status} {i}", status=status, attempted_delivery=attempted
            )
    return email, pigeon


def cell(html: str, channel: str, status: str) -> str:
    """The text of one summary cell."""
    row = re.search(rf'<tr data-channel="{channel}">(.*?)</tr>', html, re.S).group(1)
    value = re.search(rf'<td data-status="{status}">(.*?)</td>', row, re.S).group(1)
    return re.sub(r"<[^>]+>", "", value).strip()


def test_summary_counts_per_channel_and_status(staff_client, mixed):
    html = staff_client.get(reverse(URL)).content.decode()
    assert 'id="notification-summary"' in html
    assert cell(html, "Email", "SCHEDULED") == "2"
    assert cell(html, "Email", "DELIVERY FAILURE") == "3"
    assert cell(html, "Email", "RETRY") == "0"
    assert cell(html, "Email", "total") == "6"
    assert cell(html, "Pigeon", "DELIVERED") == "1"
    assert cell(html, "total", "DELIVERED") == "2"
    assert cell(html, "total", "total") == "8"


def test_summary_cells_link_to_the_filtered_list(staff_client, mixed):
    email, _ = mixed
    html = staff_client.get(reverse(URL)).content.decode()
    link = (
        f"?status__exact=DELIVERY%20FAILURE&amp;"
        f"target_user_record__target__id__exact={email.target_id}"
    )
    assert link in html
    filtered = staff_client.get(reverse(URL) + link.replace("&amp;", "&")).content.decode()
    assert filtered.count('class="action-select"') == 3


def test_summary_respects_the_current_filters(staff_client, mixed):
    _, pigeon = mixed
    html = staff_client.get(
        reverse(URL), {"target_user_record__target__id__exact": pigeon.target_id}
    ).content.decode()
    assert "(current filters)" in html
    assert '<tr data-channel="Email">' not in html
    assert cell(html, "total", "total") == "2"
    html = staff_client.get(reverse(URL), {"q": "DELIVERY FAILURE 1"}).content.decode()
    assert cell(html, "total", "total") == "1"


def test_summary_is_one_aggregate_query(mixed):
    with CaptureQueriesContext(connection) as ctx:
        summary = status_summary(Notification.objects.all())
    assert len(ctx.captured_queries) == 1
    assert "GROUP BY" in ctx.captured_queries[0]["sql"]
    assert summary["total"] == 8
    assert [r["channel"] for r in summary["rows"]] == ["Email", "Pigeon"]
