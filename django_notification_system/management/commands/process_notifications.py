"""Deliver due notifications: a thin wrapper over ``dispatch.run.process_notifications``."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand, CommandError

from ...dispatch.run import RunSummary, process_notifications


class GracefulStop:
    """SIGTERM/SIGINT set a flag so the run stops after the batch in hand.

    A second signal gets the default behaviour back (stop at once).
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.event = threading.Event()
        self.previous: dict = {}

    def __enter__(self) -> GracefulStop:
        if threading.current_thread() is threading.main_thread():
            for signum in self.SIGNALS:
                self.previous[signum] = signal.signal(signum, self._handle)
        return self

    def __exit__(self, *exc_info) -> None:
        for signum, handler in self.previous.items():
            signal.signal(signum, handler)

    def _handle(self, signum, frame) -> None:
        self.event.set()
        for restored, handler in self.previous.items():
            signal.signal(restored, handler)

    def requested(self) -> bool:
        return self.event.is_set()


class Command(BaseCommand):
    help = (
        "Deliver every due notification (SCHEDULED or RETRY whose time has come, and SENDING "
        "rows whose lease expired), in batches, and print one line per outcome."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            help="Rows per claim (default NOTIFICATION_SYSTEM_BATCH_SIZE).",
        )
        parser.add_argument("--limit", type=int, help="Stop after claiming this many rows.")
        parser.add_argument(
            "--target",
            nargs="+",
            dest="targets",
            metavar="NAME",
            help="Only these targets (target name or notification_module_name).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count due rows per channel; change nothing."
        )
        parser.add_argument(
            "--loop", action="store_true", help="Keep running; stop cleanly on SIGTERM/SIGINT."
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=10.0,
            help="Seconds to wait between runs with --loop (default 10).",
        )

    def handle(self, *args, **options) -> None:
        for name in ("batch_size", "limit"):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be a positive integer")
        if options["interval"] < 0:
            raise CommandError("--interval must not be negative")
        with GracefulStop() as stop:
            while True:
                summary = self.run_once(options, stop)
                if not options["loop"] or options["dry_run"] or stop.requested():
                    break
                if isinstance(getattr(summary.interrupt, "exception", None), KeyboardInterrupt):
                    break
                if stop.event.wait(options["interval"]):
                    break
        if summary.interrupt is not None and not (
            options["loop"] and isinstance(summary.interrupt.exception, SystemExit)
        ):
            # A handler's exit is honoured once its batch is recorded (--loop survives SystemExit).
            raise CommandError(summary.interrupt.line(), returncode=summary.interrupt.exit_code)
        if summary.configuration_errors and not options["loop"]:
            raise CommandError(
                "configuration errors in handlers: "
                + ", ".join(sorted(summary.configuration_errors))
            )

    def run_once(self, options: dict, stop: GracefulStop) -> RunSummary:
        progress = self.stdout.isatty()
        summary = process_notifications(
            batch_size=options["batch_size"],
            limit=options["limit"],
            targets=options["targets"],
            dry_run=options["dry_run"],
            should_stop=stop.requested,
            on_batch=self.show_progress if progress else None,
        )
        if progress and summary.batches:
            self.stdout.write("")
        if summary.interrupt is not None and options["loop"]:
            self.stderr.write(summary.interrupt.line())
        for module_name, message in sorted(summary.configuration_errors.items()):
            self.stderr.write(f"configuration error in handler '{module_name}': {message}")
        for line in summary.lines():
            self.stdout.write(line)
        return summary

    def show_progress(self, summary: RunSummary) -> None:
        done = sum(summary.counts.values())
        self.stdout.write(
            f"\rbatches: {summary.batches}  claimed: {summary.claimed}  settled: {done}", ending=""
        )
        self.stdout.flush()
