"""Two creators of one group in separate processes at once: no lost count, one visible item."""

from __future__ import annotations

import subprocess

from django.contrib.auth import get_user_model

from django_notification_system import inbox
from django_notification_system.models import Notification
from tests import factories

PER_PROCESS = 25

#: Each child waits for the go file, then creates its notifications one call at a time,
#: for ada alone and for ada and bo together (a batch).
CREATE = """
import os, time
from django.contrib.auth import get_user_model
from django_notification_system.notification_creators import in_app
from django_notification_system.notification_creators.base import create_notifications

name, go = os.environ["DNS_GROUP_NAME"], os.environ["DNS_GROUP_GO"]
users = list(get_user_model().objects.filter(username__in=["ada", "bo"]).order_by("username"))
while not os.path.exists(go):
    time.sleep(0.01)
for i in range(int(os.environ["DNS_GROUP_PER_PROCESS"])):
    in_app.create_notification(users[0], "New comments", group_key="post-1", actor=f"{name}{i}")
    create_notifications(users, "in_app", "New comments", group_key="post-1", actor=name)
"""


def test_two_processes_grouping_at_once_lose_no_count(subprocess_env, manage_py, tmp_path):
    factories.target("in_app")  # data migrations' rows are flushed between transactional tests
    ada, bo = factories.user("ada"), factories.user("bo")
    go = tmp_path / "go"
    children = [
        subprocess.Popen(
            [*manage_py, "shell", "-c", CREATE],
            env={
                **subprocess_env,
                "DNS_GROUP_NAME": name,
                "DNS_GROUP_GO": str(go),
                "DNS_GROUP_PER_PROCESS": str(PER_PROCESS),
            },
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("p", "q")
    ]
    go.touch()
    results = [(child.wait(timeout=600), *child.communicate()) for child in children]
    assert [rc for rc, _, _ in results] == [0, 0], [err[-3000:] for _, _, err in results]

    for user, expected in ((ada, 4 * PER_PROCESS), (bo, 2 * PER_PROCESS)):
        (item,) = inbox.inbox(user)  # one visible item
        assert item.group_count == expected  # no lost count
        assert inbox.unread_count(user) == 1
        rows = Notification.objects.filter(target_user_record__user=user)
        assert rows.count() == expected
        assert rows.filter(superseded_at__isnull=True).count() == 1
    assert get_user_model().objects.count() == 2
