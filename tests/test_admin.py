"""The admin through Django's test client: changelists, search, inline, actions."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from django_notification_system.models import DeliveryAttempt, Notification
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, django_user_model):
    admin_user = django_user_model.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize(
    "model",
    [
        "notification",
        "targetuserrecord",
        "notificationoptout",
        "notificationtarget",
        "deliveryattempt",
    ],
)
def test_changelists_render_in_bounded_queries(staff_client, model):
    rows = factories.due_notifications(3000)
    DeliveryAttempt.objects.bulk_create(
        [DeliveryAttempt(notification=n, outcome="retry", error="x") for n in rows[:500]]
    )
    url = reverse(f"admin:django_notification_system_{model}_changelist")
    with CaptureQueriesContext(connection) as ctx:
        response = staff_client.get(url)
    assert response.status_code == 200
    assert len(ctx.captured_queries) <= 12, [q["sql"][:120] for q in ctx.captured_queries]


def test_notification_filters_and_user_search(staff_client):
    factories.notification(factories.record(factories.user("findme")), title="needle")
    factories.notification(factories.record(factories.user("other")), title="hay")
    url = reverse("admin:django_notification_system_notification_changelist")
    response = staff_client.get(url, {"q": "findme"})
    assert response.status_code == 200
    assert "needle" in response.content.decode() and "hay" not in response.content.decode()
    response = staff_client.get(url, {"status__exact": "DELIVERED"})
    assert "needle" not in response.content.decode()


def test_notification_page_shows_attempts(staff_client):
    n = factories.notification()
    DeliveryAttempt.objects.create(notification=n, outcome="retry", error="upstream timeout")
    url = reverse("admin:django_notification_system_notification_change", args=[n.pk])
    response = staff_client.get(url)
    assert response.status_code == 200
    assert "upstream timeout" in response.content.decode()


def _action(client, action, notifications):
    url = reverse("admin:django_notification_system_notification_changelist")
    return client.post(
        url,
        {"action": action, "_selected_action": [str(n.pk) for n in notifications]},
        follow=True,
    )


def test_retry_now_action(staff_client):
    past = timezone.now() - timezone.timedelta(days=1)
    failed = factories.notification(
        title="f",
        status=Notification.DELIVERY_FAILURE,
        attempted_delivery=past,
        retry_attempts=3,
    )
    delivered = factories.notification(
        factories.record(factories.user("b")),
        status=Notification.DELIVERED,
        attempted_delivery=past,
    )
    response = _action(staff_client, "retry_now", [failed, delivered])
    assert "1 notification(s) will be retried now" in response.content.decode()
    failed.refresh_from_db()
    delivered.refresh_from_db()
    assert failed.status == Notification.RETRY
    assert failed.retry_attempts == 0
    assert failed.scheduled_delivery > past
    assert delivered.status == Notification.DELIVERED


def test_cancel_action(staff_client):
    scheduled = factories.notification()
    response = _action(staff_client, "cancel", [scheduled])
    assert "1 notification(s) cancelled" in response.content.decode()
    scheduled.refresh_from_db()
    assert scheduled.status == Notification.CANCELLED
    root = get_user_model().objects.get(username="root")
    assert scheduled.last_error == f"Cancelled by the admin (user {root.pk})."
    assert scheduled.attempted_delivery is None  # left as it was


def test_user_autocomplete_is_used_when_the_user_admin_searches(staff_client):
    url = reverse("admin:django_notification_system_targetuserrecord_add")
    response = staff_client.get(url)
    assert response.status_code == 200
    assert "admin-autocomplete" in response.content.decode()


@pytest.fixture
def view_only_client(client, django_user_model):
    from django.contrib.auth.models import Permission

    viewer = django_user_model.objects.create_user("viewer", "viewer@example.com", "pw")
    viewer.is_staff = True
    viewer.save()
    viewer.user_permissions.add(
        Permission.objects.get(
            codename="view_notification", content_type__app_label="django_notification_system"
        )
    )
    client.force_login(viewer)
    return client


def test_view_only_staff_can_neither_see_nor_run_the_changing_actions(view_only_client):
    """Issue 13 case 4: "Retry now" and "Cancel" need the change permission."""
    past = timezone.now() - timezone.timedelta(days=1)
    failed = factories.notification(
        title="f", status=Notification.DELIVERY_FAILURE, attempted_delivery=past
    )
    scheduled = factories.notification(factories.record(factories.user("s")), title="s")
    url = reverse("admin:django_notification_system_notification_changelist")

    page = view_only_client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "f" in [n.title for n in page.context["cl"].result_list]
    assert 'value="retry_now"' not in html and 'value="cancel"' not in html

    before = list(Notification.objects.order_by("pk").values())
    for action in ("retry_now", "cancel"):
        response = _action(view_only_client, action, [failed, scheduled])
        assert response.status_code in (200, 403)
    assert list(Notification.objects.order_by("pk").values()) == before
