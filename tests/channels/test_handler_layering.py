"""Handlers depend downward only (ARCHITECTURE.md): what they need from a capability above
them (List-Unsubscribe headers, the dispatcher's recording rules) comes through the hooks in
``notification_handlers/base.py`` that the app registers in ``AppConfig.ready``."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured

from django_notification_system.dispatch.single import record_outcome
from django_notification_system.notification_handlers import base
from django_notification_system.notification_handlers import email as email_handler
from django_notification_system.preferences.unsubscribe import unsubscribe_headers
from tests.channels.conftest import make_notifications

HANDLERS = Path(base.__file__).parent
PACKAGE = "django_notification_system"
#: Packages above the handlers in the layering: a handler never imports them.
ABOVE = (
    "api",
    "digests",
    "dispatch",
    "inbox",
    "keys",
    "management",
    "notification_creators",
    "preferences",
    "quiet_hours",
    "retention",
    "tracking",
    "workers",
)


def _imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function, as an absolute name."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                names.add(node.module or "")
                continue
            parent = f"{PACKAGE}.notification_handlers".split(".")[: 3 - node.level]
            module = ".".join([*parent, *(node.module.split(".") if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
    return names


def _upward(path: Path) -> set[str]:
    return {
        name
        for name in _imported_modules(path)
        if any(name == f"{PACKAGE}.{top}" or name.startswith(f"{PACKAGE}.{top}.") for top in ABOVE)
    }


@pytest.mark.parametrize("path", sorted(HANDLERS.glob("*.py")), ids=lambda p: p.name)
def test_handlers_import_nothing_above_them(path):
    assert not _upward(path), f"{path.name} imports {sorted(_upward(path))}"


@pytest.mark.parametrize(
    "source",
    [
        "def f():\n    from ..dispatch.single import record_outcome\n",
        "from ..preferences.unsubscribe import unsubscribe_headers\n",
        "from .. import preferences\n",
        "import django_notification_system.tracking.receipts\n",
    ],
)
def test_the_layering_check_sees_an_upward_import(tmp_path, source):
    module = tmp_path / "bad.py"
    module.write_text(source)
    assert _upward(module)


def test_the_layering_check_allows_downward_imports(tmp_path):
    module = tmp_path / "good.py"
    module.write_text(
        "from .. import conf\nfrom ..models import Notification\nfrom .base import Retry\n"
    )
    assert not _upward(module)


def test_the_app_registers_its_hooks():
    assert unsubscribe_headers in base._header_hooks
    assert base._outcome_recorder == [record_outcome]


@pytest.mark.django_db
def test_a_registered_header_hook_reaches_the_email(monkeypatch):
    monkeypatch.setattr(base, "_header_hooks", list(base._header_hooks))
    seen = []

    def hook(notification, channel):
        seen.append(channel)
        return {"X-Tenant": "blue"}

    base.register_header_hook(hook)
    base.register_header_hook(hook)  # twice: still one source
    [notification] = make_notifications("email", ["ada@example.com"])

    email_handler.send_batch([notification])

    assert mail.outbox[0].extra_headers == {"X-Tenant": "blue"}
    assert seen == ["email"]


def test_recording_without_a_registered_recorder_names_the_cause(monkeypatch):
    monkeypatch.setattr(base, "_outcome_recorder", [])
    with pytest.raises(ImproperlyConfigured, match="INSTALLED_APPS"):
        base.record_outcome(object(), base.Delivered())
