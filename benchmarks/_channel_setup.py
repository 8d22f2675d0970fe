"""Shared set-up for the channel benchmarks: Django with the test settings, no database."""

from __future__ import annotations

import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

import django  # noqa: E402

django.setup()

from django_notification_system.models import (  # noqa: E402
    Notification,
    NotificationTarget,
    TargetUserRecord,
)


def unsaved_notifications(module_name: str, addresses: list[str]) -> list[Notification]:
    """In-memory notifications shaped like the dispatcher's rows (handlers only read them)."""
    target = NotificationTarget(name=module_name.title(), notification_module_name=module_name)
    return [
        Notification(
            target_user_record=TargetUserRecord(target=target, target_user_id=address),
            title=f"Benchmark {i}",
            body="A benchmark notification.",
        )
        for i, address in enumerate(addresses)
    ]


def report(line: str) -> None:
    """Write one line of figures to stdout."""
    sys.stdout.write(line + "\n")
