"""Create or update the email TargetUserRecord of every user with an email address."""

from django.core.management.base import BaseCommand

from ...notification_creators.email_records import sync_email_target_user_records
from ..errors import database_errors_reported

BAR_WIDTH = 30


class Command(BaseCommand):
    help = (
        "For every user with an email address, create or reactivate their email target user "
        "record (in bulk, idempotent). Prints how many were created, updated and skipped."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size", type=int, default=1000, help="Users per batch (default 1000)."
        )

    def handle(self, *args, **options) -> None:
        show_progress = self.stdout.isatty()
        with database_errors_reported():
            counts = sync_email_target_user_records(
                batch_size=max(options["batch_size"], 1),
                progress=self._draw_progress if show_progress else None,
            )
        if show_progress:
            self.stdout.write("")
        self.stdout.write(
            f"created: {counts.created}, updated: {counts.updated}, "
            f"unchanged: {counts.unchanged}, skipped (no email): {counts.skipped}"
        )

    def _draw_progress(self, done: int, total: int) -> None:
        filled = BAR_WIDTH * done // total if total else BAR_WIDTH
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        self.stdout.write(f"\r[{bar}] {done}/{total} users", ending="")
        self.stdout.flush()
