"""Channels side by side: email, SMS and push with latency, alone and in one run.

    .venv/bin/python benchmarks/bench_mixed.py [--db sqlite|postgresql]

Email goes to an aiosmtpd relay (its own process) that answers each message after 20 ms,
SMS to the Twilio fake (100 ms per request) through the real twilio client, push to the
Expo fake (500 ms per request) through the real exponent_server_sdk. Each channel's rows
are first delivered alone, then all of them together in one ``process_notifications``
run: with the channels of a batch sent side by side, the mixed run takes about as long as
the slowest channel alone, not the sum.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

#: channel -> (rows, how each row's address looks)
ROWS = {
    "email": (1000, "u{i}@example.com"),
    "twilio": (200, "+1500555{i:04d}"),
    "expo": (1000, "ExponentPushToken[t{i}]"),
}


def make_rows(module_name: str) -> None:
    """The channel's rows, due times spread over the same ten seconds as the other channels'
    (so every batch mixes the channels, as a real backlog does)."""
    from datetime import timedelta

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from django_notification_system.models import Notification, TargetUserRecord
    from tests import factories

    count, address = ROWS[module_name]
    User = get_user_model()
    prefix = f"{module_name}-"
    User.objects.bulk_create([User(username=f"{prefix}{i}") for i in range(count)])
    users = list(User.objects.filter(username__startswith=prefix).order_by("pk"))
    target = factories.target(module_name)
    records = TargetUserRecord.objects.bulk_create(
        [
            TargetUserRecord(
                user=u, target=target, target_user_id=address.format(i=i), description="bench"
            )
            for i, u in enumerate(users)
        ]
    )
    now = timezone.now()
    Notification.objects.bulk_create(
        [
            Notification(
                target_user_record=r,
                title=f"n{i}",
                body="hi",
                scheduled_delivery=now - timedelta(seconds=10) * (1 - i / count),
            )
            for i, r in enumerate(records)
        ]
    )


def clear() -> None:
    from django.contrib.auth import get_user_model

    from django_notification_system.models import DeliveryAttempt, Notification, TargetUserRecord

    DeliveryAttempt.objects.all().delete()
    Notification.objects.all().delete()
    TargetUserRecord.objects.all().delete()
    get_user_model().objects.all().delete()


def timed_run(channels: list[str]) -> float:
    from django_notification_system.dispatch.run import process_notifications

    clear()
    for channel in channels:
        make_rows(channel)
    started = time.perf_counter()
    summary = process_notifications()
    elapsed = time.perf_counter() - started
    expected = sum(ROWS[c][0] for c in channels)
    assert summary.counts == {"DELIVERED": expected}, summary.counts
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=["sqlite", "postgresql"], default="sqlite")
    args = parser.parse_args()
    import bench_smtp

    relay, port = bench_smtp.start_relay(0.02)
    name = ""
    out = sys.stdout.write
    try:
        name = bench_smtp.configure(args.db, port)
        from django.test import override_settings

        from tests.fakes import FakeExpo, FakeTwilio

        with FakeTwilio(latency=0.1) as twilio, FakeExpo(latency=0.5) as expo:
            targets = {
                "email": {"from_email": "bench@example.com"},
                "twilio_sms": {
                    "account_sid": twilio.account_sid,
                    "auth_token": twilio.auth_token,
                    "sender": "+15005550001",
                    "api_base_url": twilio.url,
                },
                "expo": {"host": expo.url},
            }
            with override_settings(NOTIFICATION_SYSTEM_TARGETS=targets):
                alone = {channel: timed_run([channel]) for channel in ROWS}
                together = timed_run(list(ROWS))
        for channel, seconds in alone.items():
            out(f"{channel:>7} alone: {ROWS[channel][0]:>5} rows in {seconds:.2f} s\n")
        out(f"  all together: {sum(r for r, _ in ROWS.values()):>5} rows in {together:.2f} s\n")
        slowest, total = max(alone.values()), sum(alone.values())
        out(f"  slowest alone {slowest:.2f} s, sum of the three {total:.2f} s\n")
        out(f"  together / slowest alone: {together / slowest:.2f}\n")
        out(f"  together / sum:           {together / total:.2f}\n")
    finally:
        relay.kill()
        relay.wait()
        if args.db == "postgresql" and name:
            import bench_dispatch

            bench_dispatch._drop_postgres_database(name)


if __name__ == "__main__":
    main()
