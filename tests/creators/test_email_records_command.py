"""create_email_target_user_records: bulk, idempotent, counts, progress bar only on a terminal."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_notification_system.models import TargetUserRecord
from tests import factories

pytestmark = pytest.mark.django_db
User = get_user_model()


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def run(stdout=None, **options) -> str:
    stdout = stdout or io.StringIO()
    call_command("create_email_target_user_records", stdout=stdout, **options)
    return stdout.getvalue()


def test_creates_updates_and_skips_then_changes_nothing():
    ada = User.objects.create_user("ada", "ada@example.com", first_name="Ada", last_name="L")
    User.objects.create_user("bob", "")
    carol = factories.user("carol")
    factories.record(carol, address="carol@example.com", active=False, description="old")
    dave = factories.user("dave")
    factories.record(dave, address="dave@example.com", description="dave's Email")

    assert run().strip().endswith("created: 1, updated: 1, unchanged: 1, skipped (no email): 1")
    records = {r.user.username: r for r in TargetUserRecord.objects.select_related("user")}
    assert set(records) == {"ada", "carol", "dave"}
    assert records["ada"].target_user_id == "ada@example.com"
    assert records["ada"].description == "Ada L's Email"
    assert records["ada"].target.notification_module_name == "email"
    assert records["carol"].active and records["carol"].description == "carol's Email"
    assert ada.pk == records["ada"].user_id

    assert "created: 0, updated: 0, unchanged: 3, skipped (no email): 1" in run()
    assert TargetUserRecord.objects.count() == 3


def test_a_new_address_gets_its_own_record():
    user = factories.user("eve")
    run()
    user.email = "eve@new.example.com"
    user.save()
    assert "created: 1" in run()
    assert sorted(TargetUserRecord.objects.values_list("target_user_id", flat=True)) == [
        "eve@example.com",
        "eve@new.example.com",
    ]


def test_uses_the_user_models_email_field(monkeypatch):
    monkeypatch.setattr(User, "EMAIL_FIELD", "last_name")
    User.objects.create_user("frank", "ignored@example.com", last_name="frank@elsewhere.org")
    run()
    assert TargetUserRecord.objects.get().target_user_id == "frank@elsewhere.org"


def test_query_count_does_not_grow_with_users():
    def queries_for(count: int, prefix: str) -> int:
        User.objects.bulk_create(
            [User(username=f"{prefix}{i}", email=f"{prefix}{i}@x.org") for i in range(count)]
        )
        with CaptureQueriesContext(connection) as ctx:
            run(batch_size=1000)
        TargetUserRecord.objects.all().delete()
        User.objects.all().delete()
        return len(ctx.captured_queries)

    assert queries_for(10, "s") == queries_for(100, "l")


def test_progress_bar_only_on_a_terminal():
    for i in range(5):
        factories.user(f"p{i}")
    plain = run(batch_size=2)
    assert "\r" not in plain and "[" not in plain
    terminal = run(Terminal(), batch_size=2)
    assert "\r[" in terminal
    assert "5/5 users" in terminal
    assert "2/5 users" in terminal
