"""Registering browser subscriptions (the creator and the JSON API) and creating pushes."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError
from rest_framework.test import APIClient

from django_notification_system.models import TargetUserRecord
from django_notification_system.models.addresses import subscription_problem
from django_notification_system.notification_creators import webpush as creator
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/notifications/webpush/subscriptions/"


def records_of(user) -> list[TargetUserRecord]:
    return list(
        TargetUserRecord.objects.filter(user=user, target__notification_module_name="webpush")
    )


# -- subscription_problem ---------------------------------------------------------------------


def test_a_browser_subscription_has_no_problem(push_service):
    assert subscription_problem(push_service.subscribe().json()) is None


@pytest.mark.parametrize(
    "change, problem",
    [
        (lambda s: "not json", "not valid JSON"),
        (lambda s: "[]", "expected a JSON object"),
        (lambda s: {**s, "endpoint": "ftp://push.example/x"}, "https URL"),
        (lambda s: {**s, "endpoint": "http://push.example/x"}, "https URL"),
        (lambda s: {**s, "keys": None}, "no keys"),
        (lambda s: {**s, "keys": {**s["keys"], "p256dh": "AAAA"}}, "keys.p256dh"),
        (lambda s: {**s, "keys": {**s["keys"], "auth": "!!"}}, "keys.auth"),
        (lambda s: {**s, "endpoint": "https://push.example/" + "x" * 3000}, "at most"),
    ],
)
def test_what_is_wrong_is_named_never_the_value(push_service, change, problem):
    changed = change(push_service.subscribe().info())
    value = changed if isinstance(changed, str) else json.dumps(changed)
    found = subscription_problem(value)
    assert found and problem in found
    assert "push.example" not in found


# -- register_subscription -----------------------------------------------------------------


def test_the_same_endpoint_twice_is_one_record(push_service):
    user = factories.user("ada")
    subscription = push_service.subscribe()

    first = creator.register_subscription(user, subscription.info())
    again = creator.register_subscription(user, subscription.json())  # JSON text works too

    assert first.pk == again.pk
    assert records_of(user) == [first]
    stored = json.loads(first.target_user_id)
    assert stored == {"endpoint": subscription.endpoint, "keys": subscription.info()["keys"]}


def test_new_keys_for_an_endpoint_update_and_reactivate_its_record(push_service):
    user = factories.user("ada")
    subscription = push_service.subscribe()
    record = creator.register_subscription(user, subscription.info())
    TargetUserRecord.objects.filter(pk=record.pk).update(active=False)
    renewed = push_service.subscribe().info()
    renewed["endpoint"] = subscription.endpoint

    again = creator.register_subscription(user, renewed)

    assert again.pk == record.pk and again.active is True
    assert json.loads(again.target_user_id)["keys"] == renewed["keys"]
    assert len(records_of(user)) == 1


def test_two_browsers_are_two_records(push_service):
    user = factories.user("ada")
    creator.register_subscription(user, push_service.subscribe().info())
    creator.register_subscription(user, push_service.subscribe().info())
    assert len(records_of(user)) == 2


@pytest.mark.parametrize("bad", ["{", [], {"endpoint": "https://x.example/1"}, {"keys": {}}])
def test_a_bad_subscription_is_a_validation_error_on_the_field(bad):
    user = factories.user("ada")
    with pytest.raises(ValidationError) as raised:
        creator.register_subscription(user, bad)
    assert list(raised.value.message_dict) == ["target_user_id"]
    assert records_of(user) == []


# -- create_notification -------------------------------------------------------------------


def test_create_notification_schedules_one_push_per_active_subscription(push_service):
    user = factories.user("ada")
    creator.register_subscription(user, push_service.subscribe().info())
    dead = creator.register_subscription(user, push_service.subscribe().info())
    creator.unregister_subscription(user, json.loads(dead.target_user_id)["endpoint"])

    rows = creator.create_notification(user, "Hi", url="/inbox/", extra={"data": {"a": 1}})

    assert len(rows) == 1
    assert rows[0].url == "/inbox/" and rows[0].extra == {"data": {"a": 1}}


@pytest.mark.parametrize(
    "extra, message",
    [
        ({"sound": "x"}, "Unknown Web Push options"),
        ({"ttl": -1}, "ttl"),
        ({"urgency": "asap"}, "urgency"),
        ({"topic": "has space"}, "topic"),
        ({"data": "x" * 5000}, "bytes as JSON"),
    ],
)
def test_invalid_extra_is_a_value_error(push_service, extra, message):
    user = factories.user("ada")
    creator.register_subscription(user, push_service.subscribe().info())
    with pytest.raises(ValueError, match=message):
        creator.create_notification(user, "Hi", extra=extra)


# -- the JSON API --------------------------------------------------------------------------


@pytest.fixture
def ada():
    return factories.user("ada")


@pytest.fixture
def client(ada) -> APIClient:
    api = APIClient()
    api.force_login(ada)
    return api


def test_post_registers_for_the_requesting_user(client, ada, push_service):
    subscription = push_service.subscribe()

    response = client.post(API, subscription.info(), format="json")
    again = client.post(API, subscription.info(), format="json")

    assert response.status_code == 201
    [record] = records_of(ada)
    assert response.json() == {"id": str(record.pk)} == again.json()


def test_post_refuses_a_bad_subscription_with_field_errors(client, ada, push_service):
    info = push_service.subscribe().info()

    missing = client.post(API, {"endpoint": info["endpoint"]}, format="json")
    broken = client.post(API, {**info, "keys": {**info["keys"], "p256dh": "AAAA"}}, format="json")

    assert missing.status_code == 400 and "keys" in missing.json()
    assert broken.status_code == 400
    assert "keys.p256dh" in broken.json()["subscription"][0]
    assert records_of(ada) == []


def test_delete_deactivates_the_users_own_subscription(client, ada, push_service):
    subscription = push_service.subscribe()
    client.post(API, subscription.info(), format="json")

    response = client.delete(API, {"endpoint": subscription.endpoint}, format="json")

    assert response.status_code == 204
    [record] = records_of(ada)
    assert record.active is False


def test_another_users_endpoint_is_a_404(client, ada, push_service):
    bob = factories.user("bob")
    subscription = push_service.subscribe()
    creator.register_subscription(bob, subscription.info())

    response = client.delete(API, {"endpoint": subscription.endpoint}, format="json")
    unknown = client.delete(API, {"endpoint": "https://push.example/none"}, format="json")

    assert response.status_code == 404 and unknown.status_code == 404
    [record] = records_of(bob)
    assert record.active is True


def test_anonymous_and_csrf_less_requests_are_refused(ada, push_service):
    info = push_service.subscribe().info()
    assert APIClient().post(API, info, format="json").status_code == 403

    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(ada)
    refused = browser.post(API, info, format="json")
    assert refused.status_code == 403 and "CSRF" in refused.json()["detail"]
    assert records_of(ada) == []


# -- the demo page -------------------------------------------------------------------------


def test_the_demo_inbox_offers_web_push_and_serves_its_worker(
    client, ada, webpush_settings, vapid_public
):
    page = client.get("/inbox/")
    worker = client.get("/service-worker.js")

    assert page.status_code == 200
    assert "Notify me in this browser" in page.content.decode()
    assert vapid_public in page.content.decode()
    assert worker.status_code == 200 and worker["Service-Worker-Allowed"] == "/"
    assert "showNotification" in worker.content.decode()
    assert "openWindow" in worker.content.decode()
