"""Digests end to end on the real dispatcher: held, one message per window, items settled."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from django_notification_system.digests import flush as flush_module
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DigestWindow, Notification, NotificationOptOut
from django_notification_system.preferences import set_preference
from tests import factories
from tests.digests.conftest import close_windows, make_items, rows

pytestmark = pytest.mark.django_db


def digests() -> list[Notification]:
    return list(Notification.objects.filter(is_digest=True).order_by("created_date"))


def test_rows_of_a_digest_channel_are_held_not_sent():
    record = factories.record()
    items = make_items(record, 3)
    summary = process_notifications()
    assert mail.outbox == []
    assert {r.status for r in rows(items)} == {Notification.HELD}
    assert summary.counts["HELD (digest)"] == 3
    (window,) = DigestWindow.objects.all()
    assert {r.digest_window_id for r in rows(items)} == {window.pk}
    assert (window.target_user_record_id, window.category) == (record.pk, "comments")


def test_other_channels_and_categories_are_sent_at_once():
    sms = factories.record(module_name="twilio", address="+15005550006")
    email = factories.record(factories.user("bob"))
    make_items(email, 1, category="news")
    make_items(email, 1, category="")
    held = make_items(sms, 1)  # "comments" digests only email
    process_notifications(targets=["email"])
    assert len(mail.outbox) == 2
    assert rows(held)[0].status == Notification.SCHEDULED


def test_critical_category_is_never_held():
    record = factories.record()
    items = make_items(record, 2, category="alerts")
    process_notifications()
    assert len(mail.outbox) == 2
    assert {r.status for r in rows(items)} == {Notification.DELIVERED}
    assert not DigestWindow.objects.exists()


def test_an_open_window_sends_nothing():
    make_items(factories.record(), 3)
    process_notifications()
    summary = process_notifications()
    assert mail.outbox == []
    assert "DIGESTS MADE" not in summary.counts


def test_a_closed_window_sends_one_digest_and_items_end_delivered_pointing_to_it():
    user = factories.user("ann")
    items = make_items(factories.record(user), 3)
    process_notifications()
    close_windows()
    summary = process_notifications()
    assert summary.counts["DIGESTS MADE"] == 1
    (message,) = mail.outbox
    assert message.subject == "3 new comments"
    assert message.to == ["ann@example.com"]
    html = message.alternatives[0][0]
    assert "3 new comments for ann" in html
    assert [line for line in html.splitlines() if line.startswith("<p>")] == [
        "<p>c 0</p>",
        "<p>c 1</p>",
        "<p>c 2</p>",
    ]
    (digest,) = digests()
    assert digest.status == Notification.DELIVERED
    assert digest.category == "comments"
    assert digest.extra == {"digest": {"category": "comments", "count": 3}}
    after = rows(items)
    assert {r.status for r in after} == {Notification.DELIVERED}
    assert {r.digest_id for r in after} == {digest.pk}
    assert all(r.attempted_delivery == digest.attempted_delivery for r in after)


def test_max_items_closes_a_window_and_caps_the_digest():
    items = make_items(factories.record(), 7)
    process_notifications()
    process_notifications()
    (message,) = mail.outbox
    assert message.subject == "5 new comments"
    after = rows(items)
    assert [r.status for r in after] == [Notification.DELIVERED] * 5 + [Notification.HELD] * 2
    assert after[5].digest_id is None and after[6].digest_id is None
    close_windows()
    process_notifications()
    assert [m.subject for m in mail.outbox] == ["5 new comments", "2 new comments"]
    assert {r.status for r in rows(items)} == {Notification.DELIVERED}
    assert len({r.digest_id for r in rows(items)}) == 2


def test_subject_template_and_one_line_title(settings):
    categories = dict(settings.NOTIFICATION_SYSTEM_CATEGORIES)
    categories["comments"] = {
        "digest": {
            "channels": ["email"],
            "template": "digests/comments.html",
            "subject_template": "digests/comments_subject.txt",
        }
    }
    settings.NOTIFICATION_SYSTEM_CATEGORIES = categories
    make_items(factories.record(factories.user("cy")), 2)
    process_notifications()
    close_windows()
    process_notifications()
    assert [m.subject for m in mail.outbox] == ["cy: 2 comments waiting"]


def test_an_item_held_while_its_window_is_flushed_goes_into_the_next_digest(monkeypatch):
    record = factories.record()
    items = make_items(record, 2)
    process_notifications()
    close_windows()
    render = flush_module.render_digest
    late: list = []

    def render_and_receive_another(window, kept, category, config):
        # The window's items have been read: a new one is held now, in the same window.
        if not late:
            (item,) = make_items(record, 1, prefix="late")
            Notification.objects.filter(pk=item.pk).update(
                status=Notification.HELD, digest_window=window.pk
            )
            late.append(item)
        return render(window, kept, category, config)

    monkeypatch.setattr(flush_module, "render_digest", render_and_receive_another)
    process_notifications()
    assert [m.subject for m in mail.outbox] == ["2 new comments"]
    (first,) = digests()
    (late_row,) = rows(late)
    assert late_row.status == Notification.HELD and late_row.digest_id is None
    assert {r.digest_id for r in rows(items)} == {first.pk}
    close_windows()
    process_notifications()
    assert [m.subject for m in mail.outbox] == ["2 new comments", "1 new comments"]
    second = digests()[1]
    assert rows(late)[0].digest_id == second.pk
    assert {r.status for r in rows([*items, *late])} == {Notification.DELIVERED}


def test_preferences_are_checked_again_at_flush():
    ann, bob = factories.user("ann"), factories.user("bob")
    ann_items = make_items(factories.record(ann), 2)
    bob_items = make_items(factories.record(bob), 2)
    process_notifications()
    set_preference(ann, category="comments", channel="email", enabled=False)
    close_windows()
    summary = process_notifications()
    assert [m.to for m in mail.outbox] == [["bob@example.com"]]
    assert summary.counts["OPTED OUT (at digest)"] == 2
    assert {(r.status, r.last_error) for r in rows(ann_items)} == {
        (Notification.OPTED_OUT, "preference:comments/email")
    }
    assert all(r.digest_id is None for r in rows(ann_items))
    assert {r.status for r in rows(bob_items)} == {Notification.DELIVERED}
    assert len(digests()) == 1  # the emptied window sent nothing


def test_an_opt_out_at_flush_settles_the_items_and_sends_nothing():
    user = factories.user("ann")
    items = make_items(factories.record(user), 2)
    process_notifications()
    NotificationOptOut.objects.create(user=user, active=True)
    close_windows()
    process_notifications()
    assert mail.outbox == []
    assert digests() == []
    assert {r.status for r in rows(items)} == {Notification.OPTED_OUT}


def test_items_take_the_digests_final_status(monkeypatch):
    items = make_items(factories.record(), 2)
    process_notifications()
    close_windows()
    flush_module.flush_due_digests(
        batch_size=10, lease=flush_module.timedelta(seconds=60), now=flush_module_now()
    )
    (digest,) = digests()
    assert {r.status for r in rows(items)} == {Notification.HELD}  # waiting for the digest
    Notification.objects.filter(pk=digest.pk).update(
        status=Notification.DELIVERY_FAILURE, attempted_delivery=flush_module_now()
    )
    process_notifications()
    assert {r.status for r in rows(items)} == {Notification.DELIVERY_FAILURE}


def flush_module_now():
    from django.utils import timezone

    return timezone.now()


def test_flush_runs_a_constant_number_of_queries_per_batch():
    def flush_queries(users: int, prefix: str) -> int:
        for i in range(users):
            make_items(factories.record(factories.user(f"{prefix}{i}")), 3)
        process_notifications()
        close_windows()
        with CaptureQueriesContext(connection) as queries:
            summary = flush_module.flush_due_digests(
                batch_size=100,
                lease=flush_module.timedelta(seconds=60),
                now=flush_module_now(),
            )
        assert summary.digests == users
        Notification.objects.filter(is_digest=True).update(
            status=Notification.DELIVERED, attempted_delivery=flush_module_now()
        )
        process_notifications()
        return len(queries)

    assert flush_queries(2, "a") == flush_queries(20, "b")


def test_holding_runs_a_constant_number_of_queries_per_batch():
    def run_queries(users: int, prefix: str) -> int:
        for i in range(users):
            make_items(factories.record(factories.user(f"{prefix}{i}")), 2)
        with CaptureQueriesContext(connection) as queries:
            process_notifications()
        assert Notification.objects.filter(status=Notification.HELD).count() >= users * 2
        return len(queries)

    assert run_queries(2, "a") == run_queries(20, "b")


def test_a_held_item_can_be_cancelled_until_a_digest_carries_it():
    from django_notification_system.keys.cancellation import cancel_notifications

    record = factories.record()
    items = make_items(record, 2)
    Notification.objects.filter(pk=items[0].pk).update(cancel_key="post-1")
    process_notifications()
    assert cancel_notifications("post-1") == 1
    close_windows()
    process_notifications()
    assert [m.subject for m in mail.outbox] == ["1 new comments"]
    assert [r.status for r in rows(items)] == [Notification.CANCELLED, Notification.DELIVERED]


def test_a_conflicting_change_during_the_flush_rolls_the_batch_back_then_it_is_retried(
    monkeypatch,
):
    items = make_items(factories.record(), 3)
    process_notifications()
    close_windows()
    render = flush_module.render_digest
    calls = []

    def render_while_an_item_changes(window, kept, category, config):
        if not calls:  # another writer settles an item between the read and the write
            Notification.objects.filter(pk=items[1].pk).update(status=Notification.OPTED_OUT)
        calls.append(len(kept))
        return render(window, kept, category, config)

    monkeypatch.setattr(flush_module, "render_digest", render_while_an_item_changes)
    summary = process_notifications()
    # The first attempt's digest, its items' links and the change were all rolled back
    # (the change ran in the same transaction here); the retry carried every item once.
    assert calls == [3, 3]
    assert summary.counts["DIGESTS MADE"] == 1
    assert [m.subject for m in mail.outbox] == ["3 new comments"]
    (digest,) = digests()
    assert {(r.status, r.digest_id) for r in rows(items)} == {(Notification.DELIVERED, digest.pk)}
