"""The worked custom-channel example of docs/extending.rst, run for real: its handler posts
to a Pigeon Post server on loopback and maps every answer onto an outcome; its creator
schedules notifications and is found through NOTIFICATION_SYSTEM_CREATORS."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from demo.example.notification_creators import pigeon_post as creator
from demo.example.notification_handlers import pigeon_post as handler
from django_notification_system.exceptions import (
    NotificationsNotCreated,
    UserHasNoTargetRecords,
    UserIsOptedOut,
)
from django_notification_system.models import Notification, NotificationOptOut
from django_notification_system.notification_handlers import loading
from django_notification_system.notification_handlers.base import (
    Delivered,
    Failed,
    InactiveAddress,
    OptedOut,
    Retry,
)
from tests import factories

pytestmark = pytest.mark.django_db


class PigeonPostServer:
    """A real HTTP server on loopback that answers each request with the next scripted reply."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.replies: list[tuple[int, dict, dict]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers["Content-Length"])
                server.requests.append(
                    {
                        "path": self.path,
                        "authorization": self.headers["Authorization"],
                        "json": json.loads(self.rfile.read(length)),
                    }
                )
                status, headers, body = server.replies.pop(0)
                payload = json.dumps(body).encode()
                self.send_response(status)
                for name, value in {**headers, "Content-Type": "application/json"}.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args) -> None:  # keep test output clean
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def reply(self, status: int, body: dict, headers: dict | None = None) -> None:
        self.replies.append((status, headers or {}, body))


@pytest.fixture
def pigeon_server():
    server = PigeonPostServer()
    server.thread.start()
    targets = {"pigeon_post": {"base_url": server.url, "api_key": "coo-secret", "timeout": 5}}
    with override_settings(
        NOTIFICATION_SYSTEM_TARGETS=targets,
        NOTIFICATION_SYSTEM_HANDLERS=["demo.example.notification_handlers"],
        NOTIFICATION_SYSTEM_CREATORS=["demo.example.notification_creators"],
    ):
        yield server
    server.httpd.shutdown()
    server.httpd.server_close()


def pigeon_notifications(count: int) -> list[Notification]:
    rows = []
    for i in range(count):
        record = factories.record(
            factories.user(f"p{i}"), module_name="pigeon_post", address=f"loft-{i}"
        )
        rows.append(factories.notification(record, title=f"coo {i}", body=f"body {i}"))
    return list(
        Notification.objects.filter(pk__in=[n.pk for n in rows])
        .select_related("target_user_record")
        .order_by("title")
    )


def test_each_result_maps_onto_its_outcome(pigeon_server):
    notifications = pigeon_notifications(5)
    pigeon_server.reply(
        200,
        {
            "results": [
                {"status": "accepted", "id": "flight-7"},
                {"status": "storm"},
                {"status": "unknown_loft", "detail": "loft demolished"},
                {"status": "refused"},
                {"status": "cat_ate_it"},
            ]
        },
    )

    outcomes = handler.send_batch(notifications)

    assert outcomes == [
        Delivered(provider_message_id="flight-7"),
        Retry(error="Pigeon Post: storm"),
        InactiveAddress(error="Pigeon Post: unknown_loft (loft demolished)"),
        OptedOut(error="Pigeon Post: refused"),
        Failed(error="Pigeon Post: cat_ate_it"),
    ]
    (request,) = pigeon_server.requests  # one request for the whole batch
    assert request["path"] == "/v1/flights"
    assert request["authorization"] == "Bearer coo-secret"
    assert [m["loft"] for m in request["json"]["messages"]] == [f"loft-{i}" for i in range(5)]
    assert request["json"]["messages"][0]["title"] == "coo 0"


def test_http_429_retries_after_the_providers_delay(pigeon_server):
    notifications = pigeon_notifications(2)
    pigeon_server.reply(429, {"error": "too many pigeons"}, {"Retry-After": "120"})
    outcomes = handler.send_batch(notifications)
    assert outcomes == [Retry(error="Pigeon Post HTTP 429", after=timedelta(seconds=120))] * 2


def test_http_401_fails_without_retry(pigeon_server):
    notifications = pigeon_notifications(1)
    pigeon_server.reply(401, {"error": "bad key"})
    assert handler.send_batch(notifications) == [Failed(error="Pigeon Post HTTP 401")]


def test_a_short_answer_fails_rather_than_risk_a_double_send(pigeon_server):
    notifications = pigeon_notifications(2)
    pigeon_server.reply(200, {"results": [{"status": "accepted", "id": "x"}]})
    outcomes = handler.send_batch(notifications)
    assert all(isinstance(o, Failed) for o in outcomes) and len(outcomes) == 2


def test_unreachable_server_is_retried(pigeon_server):
    notifications = pigeon_notifications(1)
    pigeon_server.httpd.shutdown()
    pigeon_server.httpd.server_close()  # nothing listens on the port any more
    (outcome,) = handler.send_batch(notifications)
    assert isinstance(outcome, Retry)
    assert "unreachable" in outcome.error


def test_missing_option_is_a_configuration_error_naming_the_key(pigeon_server):
    notifications = pigeon_notifications(1)
    with (
        override_settings(NOTIFICATION_SYSTEM_TARGETS={"pigeon_post": {"api_key": "k"}}),
        pytest.raises(ImproperlyConfigured, match=r'\["pigeon_post"\]\["base_url"\]'),
    ):
        handler.send_batch(notifications)


def test_the_modules_are_found_by_their_module_name(pigeon_server):
    assert loading.find_module("pigeon_post", "handlers") is handler
    assert loading.find_module("pigeon_post", "creators") is creator


def test_creator_schedules_one_notification_per_active_loft(pigeon_server):
    user = factories.user("alice")
    factories.record(user, module_name="pigeon_post", address="loft-a")
    factories.record(user, module_name="pigeon_post", address="loft-b")
    factories.record(user, module_name="pigeon_post", address="loft-old", active=False)

    created = creator.create_notification(user, "Tea at five", "Bring scones.")

    assert sorted(n.target_user_record.target_user_id for n in created) == ["loft-a", "loft-b"]
    assert all(n.status == Notification.SCHEDULED for n in created)
    with pytest.raises(NotificationsNotCreated):
        creator.create_notification(
            user, "Tea at five", scheduled_delivery=created[0].scheduled_delivery
        )


def test_creator_refuses_opted_out_users_and_users_without_lofts(pigeon_server):
    with pytest.raises(UserHasNoTargetRecords):
        creator.create_notification(factories.user("nobody"), "Hi")
    opted = factories.user("opted")
    factories.record(opted, module_name="pigeon_post", address="loft-o")
    NotificationOptOut.objects.create(user=opted, active=True)
    with pytest.raises(UserIsOptedOut):
        creator.create_notification(opted, "Hi")
    assert creator.create_notification(opted, "Hi", quiet=True) == []
