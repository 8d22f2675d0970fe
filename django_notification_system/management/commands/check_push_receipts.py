"""Check Expo push receipts and apply them (run every 15 minutes from cron)."""

from django.core.management.base import BaseCommand, CommandError

from ...tracking.expo_receipts import check_push_receipts
from ..errors import database_errors_reported


class Command(BaseCommand):
    help = (
        "Ask Expo for the receipts of delivered push notifications whose tickets are at "
        "least 15 minutes old, and apply them: unregistered devices are retired."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--limit", type=int, default=None, help="Check at most N tickets.")

    def handle(self, *args, limit=None, **options) -> None:
        if limit is not None and limit < 1:
            raise CommandError("--limit must be a positive number")
        with database_errors_reported():
            summary = check_push_receipts(limit=limit)
        self.stdout.write(
            f"checked: {summary.checked} of {summary.claimed} claimed ticket(s) "
            f"in {summary.requests} request(s)"
        )
        for key, count in sorted(summary.counts.items()):
            self.stdout.write(f"{key}: {count}")
        if summary.released:
            self.stdout.write(f"released unchecked: {summary.released}")
        for error in summary.errors:
            self.stderr.write(f"error: Expo receipts request failed: {error}")
        if summary.errors:
            raise CommandError(
                f"{summary.released} ticket(s) left unchecked for the next run; see above."
            )
