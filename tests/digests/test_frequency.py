"""Per-user digest frequency on the real dispatcher: hourly, daily and weekly digests, the
user's local time across DST changes, a changed frequency, critical categories.

Time is driven by a clock standing in for ``django.utils.timezone.now`` (which the
dispatcher, the digest steps and ``auto_now`` fields all read); it moves on by a millisecond
at each reading, as a real clock would, so that a run's digest is due within the run.
"""

from __future__ import annotations

import zoneinfo
from collections import Counter
from datetime import date, datetime, time, timedelta
from datetime import timezone as dt_timezone

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from django_notification_system.digests.frequency import due_at
from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import DigestWindow, Notification
from django_notification_system.preferences import set_preference
from django_notification_system.quiet_hours import settings_for
from tests import factories
from tests.digests.conftest import rows

pytestmark = pytest.mark.django_db

UTC = dt_timezone.utc
BERLIN = zoneinfo.ZoneInfo("Europe/Berlin")
NEW_YORK = zoneinfo.ZoneInfo("America/New_York")


class Clock:
    """``timezone.now`` for the tests: set to an instant, a millisecond later at each reading."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def set(self, when: datetime) -> None:
        self.now = when

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now


@pytest.fixture
def clock(monkeypatch) -> Clock:
    found = Clock(datetime(2026, 11, 25, 12, 0, tzinfo=UTC))  # a Wednesday
    monkeypatch.setattr(timezone, "now", found)
    return found


def user_with(frequency: str, category: str = "news", zone: str | None = None, name="ann"):
    """An email record whose user gets ``category`` by email at ``frequency``."""
    user = factories.user(name)
    if zone is not None:
        row = settings_for(user)
        row.timezone = zone
        row.save()
    set_preference(user, category=category, channel="email", frequency=frequency)
    return factories.record(user)


def item(record, category: str = "news", title: str = "n") -> Notification:
    return factories.notification(
        record, title=title, category=category, scheduled_delivery=timezone.now()
    )


def run_at(clock: Clock, when: datetime):
    clock.set(when)
    return process_notifications()


def digests() -> list[Notification]:
    return list(Notification.objects.filter(is_digest=True).order_by("created_date"))


# --- due times: pure arithmetic --------------------------------------------------------------


@pytest.mark.parametrize(
    ("tz", "first_day"),
    [
        (BERLIN, date(2026, 3, 27)),  # spring forward on Sunday 29 March
        (BERLIN, date(2026, 10, 23)),  # fall back on Sunday 25 October
        (NEW_YORK, date(2026, 3, 6)),  # spring forward on Sunday 8 March
        (NEW_YORK, date(2026, 10, 30)),  # fall back on Sunday 1 November
    ],
)
@pytest.mark.parametrize("hour", [9, 2, 1])
def test_a_daily_due_time_is_the_hour_on_the_next_local_day_across_dst(tz, first_day, hour):
    start = datetime.combine(first_day, time(0), tzinfo=tz)
    dues = set()
    for minutes in range(0, 4 * 24 * 60, 10):
        held = (start + timedelta(minutes=minutes)).astimezone(UTC)
        due = due_at("daily", held, tz, hour, 0)
        assert held < due <= held + timedelta(hours=25)
        local = due.astimezone(tz)
        # the hour itself, or the instant after the gap where the clocks skip it
        assert local.hour in (hour, hour + 1) and local.minute == 0
        if local.hour != hour:
            assert (local - timedelta(hours=1)).astimezone(UTC).astimezone(tz).hour != hour
        dues.add(due)
    # held over four local days: due on the next four mornings and the first one's own
    assert len({due.astimezone(tz).date() for due in dues}) == len(dues) == 5


def test_weekly_due_times_fall_on_the_weekday():
    held = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)  # Wednesday
    assert due_at("weekly", held, BERLIN, 9, 0) == datetime(2026, 11, 30, 8, 0, tzinfo=UTC)
    assert due_at("weekly", held, BERLIN, 9, 4) == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
    assert due_at("weekly", held, BERLIN, 14, 2) == datetime(2026, 11, 25, 13, 0, tzinfo=UTC)
    assert due_at("weekly", held, BERLIN, 12, 2) == datetime(2026, 12, 2, 11, 0, tzinfo=UTC)
    assert due_at("hourly", held, BERLIN, 9, 0) == held + timedelta(hours=1)


# --- on the dispatcher -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "first_day", "hour"),
    [
        ("Europe/Berlin", date(2026, 3, 28), 9),
        ("Europe/Berlin", date(2026, 3, 28), 2),  # 02:00 does not exist on 29 March
        ("Europe/Berlin", date(2026, 10, 24), 2),  # 02:00 happens twice on 25 October
        ("America/New_York", date(2026, 10, 31), 9),
    ],
)
def test_a_daily_digest_goes_out_once_per_local_day_across_a_dst_change(
    clock, settings, zone, first_day, hour
):
    settings.NOTIFICATION_SYSTEM_DIGEST_HOUR = hour
    tz = zoneinfo.ZoneInfo(zone)
    record = user_with("daily", zone=zone)
    start = datetime.combine(first_day, time(0), tzinfo=tz).astimezone(UTC)
    items = []
    for hours in range(3 * 24):  # a run every hour, a new notification before each
        clock.set(start + timedelta(hours=hours))
        items.append(item(record, title=f"n{hours}"))
        run_at(clock, clock.now)
    made = digests()
    days = Counter(d.created_date.astimezone(tz).date() for d in made)
    assert days == {first_day + timedelta(days=n): 1 for n in range(3)}
    for digest in made:  # made (and sent) at the run at the digest hour, local time
        local = digest.created_date.astimezone(tz)
        expected = datetime.combine(local.date(), time(hour), tzinfo=tz).astimezone(UTC)
        assert digest.created_date.replace(microsecond=0) == expected
        assert digest.status == Notification.DELIVERED
    assert len(mail.outbox) == 3
    # Every item is in exactly one digest, or still waits (held after the last one).
    carried = Counter(r.digest_id for r in rows(items))
    assert set(carried) - {None} == {d.pk for d in made}
    waiting = [r for r in rows(items) if r.digest_id is None]
    assert {r.status for r in waiting} == {Notification.HELD}
    assert sum(carried.values()) == len(items)
    last_run = made[-1].created_date.replace(microsecond=0)
    assert all(r.created_date.replace(microsecond=0) >= last_run for r in waiting)


def test_an_hourly_user_gets_one_digest_an_hour_after_the_first_item(clock):
    record = user_with("hourly")
    start = clock.now
    first = item(record, title="first")
    run_at(clock, start)
    assert rows([first])[0].status == Notification.HELD
    clock.set(start + timedelta(minutes=20))
    second = item(record, title="second")
    run_at(clock, clock.now)
    run_at(clock, start + timedelta(minutes=59))
    assert mail.outbox == []
    summary = run_at(clock, start + timedelta(minutes=61))
    assert summary.counts["DIGESTS MADE"] == 1
    (message,) = mail.outbox
    assert message.subject == "2 new news"  # no digest option: the default subject
    (digest,) = digests()
    assert {(r.status, r.digest_id) for r in rows([first, second])} == {
        (Notification.DELIVERED, digest.pk)
    }
    run_at(clock, start + timedelta(hours=3))
    assert len(mail.outbox) == 1


def test_an_hourly_window_also_closes_at_max_items(clock):
    record = user_with("hourly", category="comments")  # max_items 5
    items = [item(record, category="comments", title=f"c{i}") for i in range(6)]
    start = clock.now
    run_at(clock, start)
    run_at(clock, start + timedelta(minutes=1))
    assert [m.subject for m in mail.outbox] == ["5 new comments"]
    assert [r.status for r in rows(items)].count(Notification.HELD) == 1
    run_at(clock, start + timedelta(minutes=61))
    assert [m.subject for m in mail.outbox] == ["5 new comments", "1 new comments"]


def test_a_frequency_overrides_the_categorys_digest_window(clock):
    record = user_with("daily", category="comments", zone="Europe/Berlin")
    start = clock.now  # Wednesday 13:00 in Berlin
    items = [item(record, category="comments", title=f"c{i}") for i in range(7)]
    run_at(clock, start)
    run_at(clock, start + timedelta(hours=2))  # the category's window (1 h) has passed
    assert mail.outbox == []
    run_at(clock, datetime(2026, 11, 26, 8, 0, tzinfo=UTC))  # Thursday 09:00 in Berlin
    (message,) = mail.outbox
    assert message.subject == "7 new comments"  # a daily digest carries everything waiting
    assert "7 new comments for ann" in message.alternatives[0][0]  # the category's template
    assert {r.status for r in rows(items)} == {Notification.DELIVERED}


def test_a_weekly_digest_goes_out_on_the_weekday(clock, settings):
    record = user_with("weekly", zone="America/New_York")
    items = [item(record, title=f"w{i}") for i in range(3)]
    run_at(clock, clock.now)  # Wednesday 25 November
    run_at(clock, datetime(2026, 11, 29, 14, 0, tzinfo=UTC))  # Sunday 09:00 in New York
    assert mail.outbox == []
    run_at(clock, datetime(2026, 11, 30, 14, 0, tzinfo=UTC))  # Monday 09:00
    assert [m.subject for m in mail.outbox] == ["3 new news"]
    assert {r.status for r in rows(items)} == {Notification.DELIVERED}
    settings.NOTIFICATION_SYSTEM_DIGEST_WEEKDAY = 4  # Friday
    later = item(record, title="w3")
    run_at(clock, clock.now)
    run_at(clock, datetime(2026, 12, 4, 14, 0, tzinfo=UTC))
    assert len(mail.outbox) == 2
    assert rows([later])[0].status == Notification.DELIVERED


def test_changing_back_to_immediate_sends_what_waits_at_the_next_run(clock):
    record = user_with("daily")
    items = [item(record, title=f"d{i}") for i in range(2)]
    run_at(clock, clock.now)
    assert {r.status for r in rows(items)} == {Notification.HELD}
    set_preference(record.user, category="news", channel="email", frequency="immediate")
    run_at(clock, clock.now + timedelta(minutes=5))
    assert [m.subject for m in mail.outbox] == ["2 new news"]
    assert {r.status for r in rows(items)} == {Notification.DELIVERED}
    later = item(record, title="now")
    run_at(clock, clock.now)
    assert [m.subject for m in mail.outbox] == ["2 new news", "now"]
    assert rows([later])[0].digest_id is None


def test_turning_a_held_category_off_settles_its_items_at_flush(clock):
    record = user_with("hourly")
    items = [item(record, title=f"h{i}") for i in range(2)]
    run_at(clock, clock.now)
    set_preference(record.user, category="news", channel="email", enabled=False)
    summary = run_at(clock, clock.now + timedelta(hours=1))
    assert mail.outbox == []
    assert summary.counts["OPTED OUT (at digest)"] == 2
    assert {r.status for r in rows(items)} == {Notification.OPTED_OUT}


def test_critical_categories_are_never_held_by_a_frequency(clock):
    user = factories.user("ann")
    set_preference(user, channel="email", frequency="daily")  # every category's email
    record = factories.record(user)
    held = item(record, category="news")
    alert = item(record, category="alerts")
    plain = item(record, category="")
    run_at(clock, clock.now)
    assert [r.status for r in rows([held, alert, plain])] == [
        Notification.HELD,
        Notification.DELIVERED,
        Notification.DELIVERED,
    ]


def test_the_window_records_the_frequency_it_was_held_under(clock):
    record = user_with("hourly", category="comments")
    item(record, category="comments")
    run_at(clock, clock.now)
    (window,) = DigestWindow.objects.all()
    assert window.frequency == "hourly"
    set_preference(record.user, category="comments", channel="email", frequency="immediate")
    item(record, category="comments")  # held by the category's digest option now
    run_at(clock, clock.now)  # the changed frequency closed the window: one digest
    window.refresh_from_db()
    assert window.frequency is None
    assert len(mail.outbox) == 1


def test_holding_by_frequency_runs_a_constant_number_of_queries_per_batch(clock):
    def run_queries(users: int, prefix: str) -> int:
        records = [
            user_with(
                ("hourly", "daily", "weekly")[i % 3],
                zone="Europe/Berlin" if i % 2 else None,
                name=f"{prefix}{i}",
            )
            for i in range(users)
        ]
        for record in records:
            item(record)
            item(record, category="comments")  # held by the category's digest option
        with CaptureQueriesContext(connection) as queries:
            process_notifications()
        held = Notification.objects.filter(status=Notification.HELD)
        assert held.filter(target_user_record__in=records).count() == users * 2
        return len(queries)

    assert run_queries(3, "a") == run_queries(30, "b")
