"""ENQUEUE_ON_CREATE is checked by name; the core and ``tasks`` import without either framework;
the coalescer folds a burst into one leading and one trailing enqueue."""

from __future__ import annotations

import importlib.util

import pytest
from django.core import checks
from django.test import override_settings

from django_notification_system.workers.enqueue import Coalescer
from tests.test_app_setup import BARE_PROJECT, BLOCK_EXTRAS, run_python
from tests.workers.conftest import unavailable


def errors_for(**overrides) -> list[str]:
    with override_settings(**overrides):
        return [
            f"{e.id}: {e.msg}"
            for e in checks.run_checks()
            if e.id and e.id.startswith("django_notification_system")
        ]


@pytest.mark.parametrize("value", [None, "tasks", "celery"])
def test_the_three_documented_values_pass_the_check(value, monkeypatch):
    needs = {"tasks": "django_tasks", "celery": "celery"}.get(value)
    if needs and importlib.util.find_spec(needs) is None:
        unavailable(f"{needs} is not installed (pip install -e '.[all,dev]')")
    if value == "celery":
        from celery import _state

        from tests.workers.celery_app import app

        # The project's app, as its package's __init__ creates it (test_celery_project.py).
        monkeypatch.setattr(_state._tls, "current_app", app)
    assert errors_for(NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE=value) == []


@pytest.mark.parametrize("value", ["rq", True, "Celery"])
def test_another_value_is_reported_by_name(value):
    [error] = errors_for(NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE=value)
    assert error.startswith("django_notification_system.E001: NOTIFICATION_SYSTEM_ENQUEUE_ON")
    assert "None, 'tasks' or 'celery'" in error


@pytest.mark.parametrize("value", [-1, "0.2", 61])
def test_a_bad_coalescing_window_is_reported_by_name(value):
    [error] = errors_for(NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS=value)
    assert "NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS must be a number" in error


def test_without_either_framework_tasks_imports_and_the_check_says_what_to_install():
    code = (
        BLOCK_EXTRAS
        + BARE_PROJECT.replace(
            "USE_TZ=True,", "USE_TZ=True, NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE='tasks',"
        ).replace('call_command("check")\n', "")
        + """
from django.core import checks
print([e.id for e in checks.run_checks()])
from django_notification_system.workers import tasks
try:
    tasks.deliver_due.enqueue(targets=["email"])
except Exception as exc:
    print(type(exc).__name__, exc)
print(tasks.cleanup_notifications.call(30)["notifications"])
"""
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert "['django_notification_system.E005']" in result.stdout
    assert "NotificationSystemConfigurationError" in result.stdout
    assert 'pip install "django-notification-system[tasks]"' in result.stdout
    assert result.stdout.rstrip().endswith("0")  # call() still runs the function


def test_without_celery_the_check_says_what_to_install():
    code = (
        BLOCK_EXTRAS
        + BARE_PROJECT.replace(
            "USE_TZ=True,", "USE_TZ=True, NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE='celery',"
        ).replace('call_command("check")\n', "")
        + """
from django.core import checks
for error in checks.run_checks():
    print(error.id, error.msg)
"""
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert "django_notification_system.E005" in result.stdout
    assert 'pip install "django-notification-system[celery]"' in result.stdout


class Recorder:
    def __init__(self) -> None:
        self.sent: list[tuple[str, list[str]]] = []
        self.now = 100.0

    def send(self, backend, channels) -> None:
        self.sent.append((backend, channels))

    def clock(self) -> float:
        return self.now


@override_settings(NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS=30)
def test_a_burst_costs_one_leading_and_one_trailing_enqueue_for_the_union_of_channels():
    recorder = Recorder()
    coalescer = Coalescer(send=recorder.send, clock=recorder.clock)

    coalescer.request("celery", ["email"])
    for channel in ["email", "twilio", "email", "expo"] * 25:
        recorder.now += 0.01
        coalescer.request("celery", [channel])
    assert recorder.sent == [("celery", ["email"])]  # the first at once, the rest folded

    coalescer.flush_all()  # what the window's timer does when it ends
    assert recorder.sent == [("celery", ["email"]), ("celery", ["email", "expo", "twilio"])]

    recorder.now += 31  # a quiet period: the next request goes at once again
    coalescer.request("celery", ["email"])
    assert recorder.sent[-1] == ("celery", ["email"])
    assert len(recorder.sent) == 3


@override_settings(NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS=0)
def test_a_zero_window_enqueues_every_request():
    recorder = Recorder()
    coalescer = Coalescer(send=recorder.send, clock=recorder.clock)
    for _ in range(3):
        coalescer.request("tasks", ["email"])
    assert recorder.sent == [("tasks", ["email"])] * 3


@pytest.mark.django_db(transaction=True)
def test_a_failed_enqueue_loses_no_row_and_logs_no_broker_url(monkeypatch, caplog, settings):
    from django_notification_system.models import Notification
    from django_notification_system.notification_creators import email
    from django_notification_system.workers import enqueue
    from tests import factories

    def broker_down(backend, channels):
        raise ConnectionError("redis://:s3cret@broker.internal:6379 refused")

    settings.NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE = "celery"
    settings.NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS = 0
    monkeypatch.setattr(enqueue, "enqueue_deliver_due", broker_down)
    monkeypatch.setattr(enqueue, "coalescer", Coalescer())
    user = factories.user("dee")
    factories.record(user, address="dee@example.com")

    with caplog.at_level("WARNING", logger="django_notification_system.workers.enqueue"):
        created = email.create_notification(user, "Kept", "Still scheduled")

    assert Notification.objects.filter(pk=created[0].pk, status=Notification.SCHEDULED).exists()
    assert "could not enqueue deliver_due via celery (ConnectionError)" in caplog.text
    assert "s3cret" not in caplog.text
