"""DeliveryAttempt is an append-only log: the admin shows it and offers no way to change it."""

import pytest
from django.contrib import admin
from django.urls import reverse

from django_notification_system.models import DeliveryAttempt
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def attempt() -> DeliveryAttempt:
    return DeliveryAttempt.objects.create(
        notification=factories.notification(), outcome="retry", error="upstream timeout"
    )


@pytest.fixture
def superuser_client(client, django_user_model):
    client.force_login(django_user_model.objects.create_superuser("root", "r@example.com", "pw"))
    return client


def url(name: str, *args) -> str:
    return reverse(f"admin:django_notification_system_deliveryattempt_{name}", args=args)


def test_even_a_superuser_can_only_view_attempts(superuser_client, attempt):
    page = superuser_client.get(url("change", attempt.pk))
    assert page.status_code == 200
    assert "upstream timeout" in page.content.decode()
    assert 'name="_save"' not in page.content.decode()
    assert superuser_client.get(url("add")).status_code == 403
    assert superuser_client.get(url("delete", attempt.pk)).status_code == 403
    changed = superuser_client.post(url("change", attempt.pk), {"error": "edited"})
    assert changed.status_code == 403
    listing = superuser_client.get(url("changelist"))
    assert "delete_selected" not in listing.content.decode()
    attempt.refresh_from_db()
    assert attempt.error == "upstream timeout"
    assert DeliveryAttempt.objects.count() == 1


def test_the_model_admin_grants_view_permission_only(rf, django_user_model):
    request = rf.get("/")
    request.user = django_user_model.objects.create_superuser("su", "su@example.com", "pw")
    model_admin = admin.site._registry[DeliveryAttempt]
    assert model_admin.get_model_perms(request) == {
        "add": False,
        "change": False,
        "delete": False,
        "view": True,
    }
