"""Two real processes creating the same notifications at once: each row exists exactly once.

The guard is the database (unique constraint + ON CONFLICT DO NOTHING), not a Python check:
both processes pass every Python-level step before either inserts.
"""

import json
import subprocess
import sys

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from django_notification_system.models import Notification, TargetUserRecord
from tests import factories
from tests.settings import ROOT

CHILD = """
import json, sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.utils.dateparse import parse_datetime
from django_notification_system.notification_creators import email
from django_notification_system.notification_creators.base import create_notifications

mode, when, extra = sys.argv[1], parse_datetime(sys.argv[2]), json.loads(sys.argv[3])
users = list(get_user_model().objects.filter(username__startswith="race").order_by("pk"))
print("ready", flush=True)
sys.stdin.readline()
if mode == "bulk":
    created = len(create_notifications(users, "email", "T", "B", scheduled_delivery=when,
                                       extra=extra).created)
else:
    created = sum(len(email.create_notification(u, "T", "B", scheduled_delivery=when,
                                                extra=extra, quiet=True)) for u in users)
print(json.dumps({"created": created}), flush=True)
"""


def make_users(count: int) -> None:
    User = get_user_model()
    User.objects.bulk_create([User(username=f"race{i}") for i in range(count)])
    target = factories.target("email")
    TargetUserRecord.objects.bulk_create(
        [
            TargetUserRecord(user=u, target=target, target_user_id=f"{u.username}@x")
            for u in User.objects.filter(username__startswith="race")
        ]
    )


def race(env: dict, mode: str, extras: list[dict]) -> list[int]:
    """Start one child per extra, release them together, return what each created."""
    when = timezone.now().isoformat()
    children = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, mode, when, json.dumps(extra)],
            cwd=ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for extra in extras
    ]
    for child in children:
        assert child.stdout.readline().strip() == "ready", child.stderr.read()
    for child in children:
        child.stdin.write("go\n")
        child.stdin.flush()
    created = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        created.append(json.loads(out.strip().splitlines()[-1])["created"])
    return created


@pytest.mark.parametrize("mode", ["bulk", "per_user"])
def test_two_processes_create_each_row_once(subprocess_env, mode):
    make_users(150)
    # Same extra, keys in a different order: still the same notification.
    created = race(subprocess_env, mode, [{"a": 1, "b": [2, 3]}, {"b": [2, 3], "a": 1}])
    assert sum(created) == 150
    assert Notification.objects.count() == 150
    assert Notification.objects.values("target_user_record").distinct().count() == 150
