"""Quiet-hours windows in a user's zone: across midnight and across DST changes."""

import zoneinfo
from datetime import datetime, time
from datetime import timezone as dt_timezone

import pytest

from django_notification_system.quiet_hours.windows import window_end

UTC = dt_timezone.utc
NIGHT = (time(22, 0), time(7, 0))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def local(zone: str, *args) -> datetime:
    return datetime(*args, tzinfo=zoneinfo.ZoneInfo(zone))


# (zone, an instant inside the 22:00-07:00 window before the clocks move, expected end in UTC)
DST_NIGHTS = [
    # New York springs forward on 2026-03-08 (EST -5 -> EDT -4) and falls back on 11-01.
    ("America/New_York", local("America/New_York", 2026, 3, 7, 23, 30), utc(2026, 3, 8, 11)),
    ("America/New_York", local("America/New_York", 2026, 10, 31, 23, 30), utc(2026, 11, 1, 12)),
    # London: 2026-03-29 (GMT -> BST +1), 2026-10-25 (BST -> GMT).
    ("Europe/London", local("Europe/London", 2026, 3, 28, 23, 30), utc(2026, 3, 29, 6)),
    ("Europe/London", local("Europe/London", 2026, 10, 24, 23, 30), utc(2026, 10, 25, 7)),
    # Sydney, southern hemisphere: DST ends 2026-04-05 (+11 -> +10), starts 2026-10-04.
    ("Australia/Sydney", local("Australia/Sydney", 2026, 4, 4, 23, 30), utc(2026, 4, 4, 21)),
    ("Australia/Sydney", local("Australia/Sydney", 2026, 10, 3, 23, 30), utc(2026, 10, 3, 20)),
]


@pytest.mark.parametrize(("zone", "when", "expected"), DST_NIGHTS)
def test_a_night_window_ends_at_seven_local_on_the_day_the_clocks_move(zone, when, expected):
    tz = zoneinfo.ZoneInfo(zone)
    end = window_end(when, tz, *NIGHT)
    assert end == expected
    assert end.tzinfo is UTC
    assert end.astimezone(tz).time() == time(7, 0)
    assert end.astimezone(tz).utcoffset() != when.utcoffset()  # the clocks did move


@pytest.mark.parametrize(
    "when",
    [
        local("America/New_York", 2026, 3, 8, 1, 30),  # after midnight, before the change
        local("America/New_York", 2026, 3, 8, 3, 30),  # after the change (EDT)
        utc(2026, 3, 8, 10, 59),  # 06:59 EDT
    ],
)
def test_after_midnight_on_the_day_of_the_change_the_same_end(when):
    tz = zoneinfo.ZoneInfo("America/New_York")
    assert window_end(when, tz, *NIGHT) == utc(2026, 3, 8, 11)


@pytest.mark.parametrize(
    ("wall", "inside"),
    [
        (time(21, 59), False),
        (time(22, 0), True),
        (time(23, 59), True),
        (time(0, 0), True),
        (time(6, 59), True),
        (time(7, 0), False),
        (time(12, 0), False),
    ],
)
def test_window_crossing_midnight_edges(wall, inside):
    tz = zoneinfo.ZoneInfo("Europe/Paris")
    when = datetime.combine(datetime(2026, 6, 10).date(), wall, tzinfo=tz)
    end = window_end(when, tz, *NIGHT)
    if not inside:
        assert end is None
        return
    expected_day = 11 if wall >= time(22, 0) else 10
    assert end == local("Europe/Paris", 2026, 6, expected_day, 7, 0).astimezone(UTC)


def test_window_within_one_day():
    tz = zoneinfo.ZoneInfo("Asia/Tokyo")
    lunch = (time(12, 0), time(13, 30))
    assert window_end(local("Asia/Tokyo", 2026, 1, 5, 12, 15), tz, *lunch) == utc(
        2026, 1, 5, 4, 30
    )
    assert window_end(local("Asia/Tokyo", 2026, 1, 5, 13, 30), tz, *lunch) is None
    assert window_end(local("Asia/Tokyo", 2026, 1, 5, 11, 0), tz, *lunch) is None


def test_an_end_the_clocks_skip_is_never_earlier_than_asked():
    # New York has no 02:30 on 2026-03-08: the window ends after the gap, at 03:30 EDT.
    tz = zoneinfo.ZoneInfo("America/New_York")
    when = local("America/New_York", 2026, 3, 8, 1, 0)
    end = window_end(when, tz, time(0, 0), time(2, 30))
    assert end == utc(2026, 3, 8, 7, 30)
    assert end >= utc(2026, 3, 8, 7, 0)  # the first instant of 03:00 EDT


def test_an_empty_window_holds_nothing():
    tz = zoneinfo.ZoneInfo("UTC")
    assert window_end(utc(2026, 1, 1, 5), tz, time(5), time(5)) is None
