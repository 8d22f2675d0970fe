"""Delete old final-state notifications and their delivery attempts, in batches."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...models import Notification
from ...retention import DEFAULT_BATCH_SIZE, delete_old_notifications
from ..errors import database_errors_reported


class Command(BaseCommand):
    help = (
        "Delete notifications in a final state (DELIVERED, DELIVERY FAILURE, INACTIVE DEVICE, "
        "OPTED OUT) last modified more than --days days ago, with their delivery attempts. "
        "SCHEDULED, RETRY and SENDING notifications are never deleted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            required=True,
            help="Delete notifications last modified more than this many days ago.",
        )
        parser.add_argument(
            "--status",
            action="append",
            dest="statuses",
            metavar="STATUS",
            help=(
                "Only this final status (repeatable; 'DELIVERY FAILURE' or delivery_failure). "
                f"Default: all of {', '.join(Notification.FINAL_STATUSES)}."
            ),
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=DEFAULT_BATCH_SIZE,
            help=f"Rows deleted per transaction (default {DEFAULT_BATCH_SIZE}).",
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Count what would be deleted; delete nothing.",
        )

    def handle(self, *args, **options) -> None:
        try:
            with database_errors_reported():
                result = delete_old_notifications(
                    options["days"],
                    options["statuses"],
                    batch_size=options["batch_size"],
                    dry_run=options["dry_run"],
                )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        verb = "Would delete" if result.dry_run else "Deleted"
        self.stdout.write(
            f"{verb} {result.notifications} notification(s) and {result.attempts} delivery "
            f"attempt(s) last modified before {result.cutoff.isoformat(timespec='seconds')} "
            f"(statuses: {', '.join(result.statuses)})"
            + ("" if result.dry_run else f" in {result.batches} batch(es).")
        )
