"""Every Python snippet of docs/ runs as written.

Each ``.. code-block:: python`` is executed against the test database. Snippets are
fragments of a project (``settings.py``, ``urls.py``, a view holding a ``user``), so they run
in a namespace that gives them what such a file already has: the settings'
``INSTALLED_APPS``, an empty ``urlpatterns``, an ``env()`` reader, a ``user`` with an active
record on every channel (and one in-app notification), the ``request`` of a view, and the
caller's objects the prose names (``payment``, ``order``, ``body``, ``tomorrow``, ``when``,
a browser's Web Push ``subscription``).
Placeholders the docs name as "your client" (``my_provider``, ``myproject.monitoring``) are
small fakes. Snippets that include real files (``literalinclude``) are covered by those
files' own tests.
"""

from __future__ import annotations

import base64
import json
import re
import sys
import types
from datetime import timedelta

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from django_notification_system.models import Notification, NotificationTarget
from django_notification_system.notification_creators import email, in_app
from django_notification_system.notification_handlers.base import (
    OUTCOME_TYPES,
    Delivered,
    Failed,
    Retry,
)
from django_notification_system.signals import batch_recorded
from tests import factories
from tests.fakes.slack import FakeSlack
from tests.settings import ROOT

pytestmark = pytest.mark.django_db

BLOCK = re.compile(r"^\.\. code-block:: python\n((?:[ \t]*\n|   .*\n)+)", re.M)


def python_snippets() -> list[tuple[str, str]]:
    snippets = []
    for page in sorted((ROOT / "docs").glob("*.rst")):
        text = page.read_text()
        for match in BLOCK.finditer(text):
            line = text[: match.start()].count("\n") + 1
            code = "\n".join(row[3:] for row in match.group(1).splitlines())
            snippets.append((f"{page.name}:{line}", code.strip("\n") + "\n"))
    return snippets


SNIPPETS = python_snippets()


class FakeProvider(types.ModuleType):
    """``my_provider`` of docs/dispatch.rst: accepts everything."""

    class RateLimited(Exception):
        retry_after = 30

    class UnknownAddress(Exception):
        pass

    def __init__(self) -> None:
        super().__init__("my_provider")
        self.sent: list = []

    def send(self, address, title, body) -> str:
        self.sent.append(address)
        return f"msg-{len(self.sent)}"


class FakeStatsd:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def incr(self, name: str, count: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + count


@pytest.fixture
def placeholders(monkeypatch):
    provider = FakeProvider()
    monitoring = types.ModuleType("myproject.monitoring")
    monitoring.statsd = FakeStatsd()
    monkeypatch.setitem(sys.modules, "my_provider", provider)
    monkeypatch.setitem(sys.modules, "myproject", types.ModuleType("myproject"))
    monkeypatch.setitem(sys.modules, "myproject.monitoring", monitoring)
    # docs/workers.rst's myproject/__init__.py imports the app of its myproject/celery.py
    # (which tests/workers/test_celery_project.py runs as files of a new project).
    celery_module = types.ModuleType("myproject.celery")
    celery_module.app = types.SimpleNamespace(main="myproject")
    monkeypatch.setitem(sys.modules, "myproject.celery", celery_module)
    return provider, monitoring.statsd


#: A well-formed subscription (never sent to: the snippets only create notifications).
WEBPUSH_SUBSCRIPTION = json.dumps(
    {
        "endpoint": "https://push.example/ada",
        "keys": {
            "p256dh": base64.urlsafe_b64encode(b"\x04" + b"\x01" * 64).decode().rstrip("="),
            "auth": base64.urlsafe_b64encode(b"\x02" * 16).decode().rstrip("="),
        },
    }
)


@pytest.fixture
def user():
    """A user with an active record on email, Twilio, Expo, Web Push and the demo's Pigeon
    Post."""
    person = factories.user("ada", "ada@example.com")
    factories.record(person, "email", "ada@example.com")
    factories.record(person, "twilio", "+15005550006")
    factories.record(person, "expo", "ExponentPushToken[ada-phone]")
    factories.record(person, "webpush", WEBPUSH_SUBSCRIPTION)
    NotificationTarget.objects.get_or_create(
        name="Pigeon Post", defaults={"notification_module_name": "pigeon_post"}
    )
    factories.record(person, "pigeon_post", "loft-7")
    in_app.create_notification(person, "Welcome to your inbox")
    return person


#: The categories docs/preferences.rst declares, as the project's settings would.
DOC_CATEGORIES = {
    "comments": {"label": "Comments on your posts", "defaults": {"email": True, "twilio": False}},
    "security": {"label": "Security alerts", "required": ["email"], "critical": True},
    "news": {"label": "Product news", "defaults": {"email": False}},
}

EMAIL_TEMPLATES = {
    "emails/welcome.html": "<p>Welcome, {{ first_name }}!</p>",
    "emails/welcome_subject.txt": "Welcome {{ first_name }}",
}


@pytest.fixture
def project_settings():
    templates = [
        {
            "NAME": "doc_snippet_templates",
            "BACKEND": "django.template.backends.django.DjangoTemplates",
            "OPTIONS": {
                "loaders": [("django.template.loaders.locmem.Loader", EMAIL_TEMPLATES)],
            },
        },
        *settings.TEMPLATES,
    ]
    with override_settings(
        TEMPLATES=templates,
        NOTIFICATION_SYSTEM_HANDLERS=["demo.example.notification_handlers"],
        NOTIFICATION_SYSTEM_CREATORS=["demo.example.notification_creators"],
        NOTIFICATION_SYSTEM_CATEGORIES=DOC_CATEGORIES,
    ):
        yield


def test_the_docs_have_python_snippets():
    assert len(SNIPPETS) >= 12
    assert {name.split(":")[0] for name, _ in SNIPPETS} >= {
        "creators.rst",
        "dispatch.rst",
        "extending.rst",
        "tracking.rst",
        "deployment.rst",
        "writing_a_channel.rst",
    }


@pytest.mark.parametrize(("where", "code"), SNIPPETS, ids=[name for name, _ in SNIPPETS])
def test_snippet_runs_as_written(where, code, user, placeholders, project_settings):
    provider, statsd = placeholders
    namespace = {
        "__name__": f"docs_snippet_{where}",
        "__package__": "myproject",  # the project package, for a relative import
        "INSTALLED_APPS": list(settings.INSTALLED_APPS),
        "urlpatterns": [],
        "env": lambda name: f"value-of-{name}",
        "user": user,
        "request": types.SimpleNamespace(user=user),  # in a view
        # Objects of the caller's own domain that the snippets' prose names.
        "payment": types.SimpleNamespace(pk=41),
        "order": types.SimpleNamespace(pk=42),
        "body": "<p>Your order ships tomorrow.</p>",
        "tomorrow": timezone.now() + timedelta(days=1),
        "when": timezone.now(),
        "subscription": WEBPUSH_SUBSCRIPTION,  # what the browser's page posted
    }
    before = Notification.objects.count()
    try:
        exec(compile(code, f"docs/{where}", "exec"), namespace)
        receiver = namespace.get("count_deliveries")
        if receiver is not None:  # docs/dispatch.rst's signal receiver: fire it once
            batch_recorded.send(Notification, results=[], claim_token=None)
    finally:
        if "count_deliveries" in namespace:
            batch_recorded.disconnect(namespace["count_deliveries"])
    _check_effects(where, code, namespace, before, provider, statsd)


def _check_effects(where, code, namespace, before, provider, statsd) -> None:
    """What each kind of snippet must have done, beyond not raising."""
    if re.search(r"^(?!def )[\w.]*create_notifications?\(", code, re.M):
        assert Notification.objects.count() > before, f"{where} created nothing"
    if "def send_batch" in code:
        n = Notification(title="t", body="b")
        n.target_user_record = factories.record(factories.user("bob"), "email", "b@example.com")
        (outcome,) = namespace["send_batch"]([n])
        assert isinstance(outcome, OUTCOME_TYPES) and isinstance(outcome, Delivered)
        assert provider.sent == ["b@example.com"]
    if "count_deliveries" in code:
        assert statsd.counts == {"notifications.delivered": 0}
    if "urlpatterns" in code:
        assert namespace["urlpatterns"], f"{where} added no URL pattern"
    if "NotificationTarget.objects.get_or_create" in code:
        assert NotificationTarget.objects.filter(notification_module_name="pigeon_post").exists()
    if "INSTALLED_APPS +=" in code:
        assert len(namespace["INSTALLED_APPS"]) > len(settings.INSTALLED_APPS)
    if "def add_record" in code:  # docs/creators.rst: a new user's first record, in code
        newcomer = factories.user("newcomer")
        namespace["add_record"](newcomer, "email", newcomer.email)
        assert email.create_notification(newcomer, "Welcome", "<p>Hello</p>")
    if "class DailyCap" in code:
        _run_daily_cap(namespace["DailyCap"])
    if "class SlackHandler" in code:
        _run_slack(namespace["Handler"])


def _run_slack(handler) -> None:
    """docs/writing_a_channel.rst's Slack channel against a loopback webhook: accepted, 429
    with Retry-After, a 500, a revoked webhook (404), and the server gone."""
    rows = []
    for i in range(5):
        n = Notification(title=f"Deploy {i}", body="done")
        n.target_user_record = factories.record(
            factories.user(f"slack{i}"), "slack", f"C0{i}", description="slack"
        )
        rows.append(n)
    with (
        FakeSlack() as slack,
        override_settings(
            NOTIFICATION_SYSTEM_TARGETS={"slack": {"webhook_url": slack.webhook_url}}
        ),
    ):
        assert isinstance(handler.send_batch(rows[:1])[0], Delivered)
        assert slack.texts == ["*Deploy 0*\ndone"]
        slack.fail_next(429, b"rate_limited", {"Retry-After": "30"})
        limited = handler.send_now(rows[1])[0]
        assert isinstance(limited, Retry) and limited.after == timedelta(seconds=30)
        slack.fail_next(500, b"oops")
        assert isinstance(handler.send_now(rows[2])[0], Retry)
        slack.fail_next(404, b"no_service")
        assert isinstance(handler.send_now(rows[3])[0], Failed)
        url = slack.webhook_url
    with override_settings(NOTIFICATION_SYSTEM_TARGETS={"slack": {"webhook_url": url}}):
        assert isinstance(handler.send_now(rows[4])[0], Retry)  # connection refused


def _run_daily_cap(rule_class) -> None:
    """docs/delivery_rules.rst's custom rule, in the chain as its settings snippet puts it."""
    from django_notification_system.dispatch.run import process_notifications
    from django_notification_system.rules import DEFAULT_RULES

    module = types.ModuleType("myapp.rules")
    module.DailyCap = type("DailyCap", (rule_class,), {"limit": 1})
    record = factories.record(factories.user("capped"), "email", "capped@example.com")
    for title in ("one", "two", "three"):
        factories.notification(record, title=title)
    modules = {"myapp": types.ModuleType("myapp"), "myapp.rules": module}
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        with override_settings(
            NOTIFICATION_SYSTEM_DELIVERY_RULES=[*DEFAULT_RULES, "myapp.rules.DailyCap"]
        ):
            summary = process_notifications()
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous
    assert summary.counts["HELD (daily cap)"] == 2
    assert not summary.rule_errors


def test_literalincluded_files_exist():
    for page in (ROOT / "docs").glob("*.rst"):
        for include in re.findall(r"^\.\. literalinclude:: (\S+)", page.read_text(), re.M):
            assert (page.parent / include).resolve().is_file(), (page.name, include)
