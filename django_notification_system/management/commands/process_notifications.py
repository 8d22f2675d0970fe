"""Deliver due notifications: a thin wrapper over ``dispatch.run.process_notifications``."""

from __future__ import annotations

import math
import signal
import threading
import time

from django.core import checks
from django.core.management.base import BaseCommand, CommandError

from ... import conf
from ...conf.names import did_you_mean
from ...dispatch.outage import (
    CONNECTION_ERRORS,
    MAX_BACKOFF_SECONDS,
    Backoff,
    check_connection,
    close_broken_connections,
    close_stale_connections,
    describe_database,
    error_summary,
)
from ...dispatch.record import kept_outcomes
from ...dispatch.run import RELEASED, RunSummary, process_notifications
from ...notification_handlers.problems import settings_problems, unknown_targets
from ..errors import database_errors_reported

#: Bounds of ``--interval`` in seconds: below 1 s a loop only burns CPU and log lines.
MIN_INTERVAL = 1.0
MAX_INTERVAL = 86400.0
#: Seconds before a configuration error that lasts is reported again by ``--loop``.
REPORT_AGAIN_AFTER = 300.0


class GracefulStop:
    """SIGTERM/SIGINT set a flag so the run stops after the batch in hand.

    A second signal gets the default behaviour back (stop at once).
    """

    SIGNALS = (signal.SIGTERM, signal.SIGINT)

    def __init__(self) -> None:
        self.event = threading.Event()
        self.flag = False
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
        # The handler runs on the main thread, which may be inside ``self.event.wait()``
        # holding the event's (non-reentrant) lock: calling ``set()`` here would deadlock and
        # the signal would be ignored for good. A flag answers ``requested()`` at once; a short
        # thread sets the event, which wakes the wait once the main thread releases the lock.
        self.flag = True
        threading.Thread(target=self.event.set, name="dns-stop", daemon=True).start()
        for restored, handler in self.previous.items():
            signal.signal(restored, handler)

    def requested(self) -> bool:
        return self.flag or self.event.is_set()


class Command(BaseCommand):
    help = (
        "Deliver every due notification (SCHEDULED or RETRY whose time has come, and SENDING "
        "rows whose lease expired), in batches, and print one line per outcome."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--batch-size",
            type=int,
            help=f"Rows per claim, 1 to {conf.MAX_BATCH_SIZE} "
            "(default NOTIFICATION_SYSTEM_BATCH_SIZE).",
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
            "--dry-run",
            action="store_true",
            help="Count due rows per channel and check their configuration; change nothing.",
        )
        parser.add_argument(
            "--loop",
            action="store_true",
            help="Keep running, through database outages; stop cleanly on SIGTERM/SIGINT.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=10.0,
            help=f"Seconds to wait between runs with --loop, {MIN_INTERVAL:g} to "
            f"{MAX_INTERVAL:g} (default 10).",
        )

    def execute(self, *args, **options):
        """Note whether this is a long-running worker before Django runs the system checks."""
        self.show_check_warnings = bool(options.get("loop")) and not options.get("dry_run")
        return super().execute(*args, **options)

    def check(self, *args, **kwargs) -> None:
        """System checks before a run: errors stop it; warnings are ``manage.py check``'s.

        A one-shot run is started by cron every minute, and whatever it writes to stderr is
        mailed each time, so configuration warnings (e.g. W001) are left to
        ``manage.py check``. A ``--loop`` worker checks once at its start, so it reports them
        there, once. Errors stop either run, reported as Django reports them.
        """
        if getattr(self, "show_check_warnings", False):
            super().check(*args, **kwargs)
            return
        issues = checks.run_checks(
            app_configs=kwargs.get("app_configs"),
            tags=kwargs.get("tags"),
            databases=kwargs.get("databases"),
        )
        if any(issue.is_serious() and not issue.is_silenced() for issue in issues):
            super().check(*args, **kwargs)  # raises SystemCheckError listing the errors

    def handle(self, *args, **options) -> None:
        check_options(options)
        self.verbosity = options["verbosity"]
        self.reported: dict[tuple[str, str], float] = {}
        self.targets_checked = False
        with GracefulStop() as stop:
            if options["loop"] and not options["dry_run"]:
                self.loop(options, stop)
                return
            with database_errors_reported():
                summary = self.run_once(options, stop)
        if summary.interrupt is not None:
            # A handler's exit is honoured once its batch is recorded.
            raise CommandError(summary.interrupt.line(), returncode=summary.interrupt.exit_code)
        if summary.rule_errors:
            raise CommandError(
                "delivery rules failed: "
                + ", ".join(
                    f"{name} ({what})" for name, what in sorted(summary.rule_errors.items())
                )
                + "; their rows were released unsent and will be claimed again"
            )
        problems = dict(summary.configuration_errors)
        if options["dry_run"]:
            for problem in settings_problems():
                self.stderr.write(f"configuration error: {problem}")
                problems.setdefault("settings", problem)
        if problems:
            raise CommandError(
                "configuration errors in: "
                + ", ".join(sorted(problems))
                + ("" if options["dry_run"] else "; their rows were released and will wait")
            )

    def loop(self, options: dict, stop: GracefulStop) -> None:
        """Run until SIGTERM/SIGINT; a database outage is reported once and waited out."""
        backoff, outage_started = Backoff(), None
        while not stop.requested():
            close_stale_connections()
            try:
                if outage_started is not None:
                    check_connection()  # the outage ends when the database answers again
                    seconds = time.monotonic() - outage_started
                    self.stdout.write(f"database available again after {seconds:.0f} s")
                    outage_started = None
                    backoff.reset()
                summary = self.run_once(options, stop)
            except CONNECTION_ERRORS as exc:
                close_broken_connections()
                if outage_started is None:
                    outage_started = time.monotonic()
                    kept = kept_outcomes()
                    self.stderr.write(
                        f"database unavailable ({describe_database()}): {error_summary(exc)}; "
                        + (
                            f"{kept} sent outcome(s) kept to record after reconnecting; "
                            if kept
                            else ""
                        )
                        + f"reconnecting with backoff up to {MAX_BACKOFF_SECONDS:g} s"
                    )
                if stop.event.wait(backoff.next_delay()):
                    break
                continue
            close_stale_connections()
            interrupt = summary.interrupt
            if interrupt is not None and isinstance(interrupt.exception, KeyboardInterrupt):
                # A handler's SystemExit is reported and the loop goes on; Ctrl-C is not.
                raise CommandError(interrupt.line(), returncode=interrupt.exit_code)
            if stop.event.wait(options["interval"]):
                break

    def run_once(self, options: dict, stop: GracefulStop) -> RunSummary:
        if options["targets"] and not self.targets_checked:
            unknown, known = unknown_targets(options["targets"])
            if unknown:
                named = ", ".join(f"{name}{did_you_mean(name, known)}" for name in unknown)
                raise CommandError(
                    f"unknown target(s): {named}; known targets and modules: "
                    + (", ".join(known) or "none")
                )
            self.targets_checked = True
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
        interrupt = summary.interrupt
        if (
            interrupt is not None
            and options["loop"]
            and isinstance(interrupt.exception, SystemExit)
        ):
            self.stderr.write(interrupt.line())
        for module_name, message in sorted(summary.configuration_errors.items()):
            self.report(module_name, message, repeat=not options["loop"])
        # Rows released for a configuration error come back every pass: not news.
        idle = not any(n for key, n in summary.counts.items() if key != RELEASED)
        if not options["loop"] or not idle or self.verbosity >= 2:
            for line in summary.lines():
                self.stdout.write(line)
        return summary

    def report(self, module_name: str, message: str, *, repeat: bool) -> None:
        """One stderr line per configuration error; in a loop, again only after a while."""
        key, now = (module_name, message), time.monotonic()
        last = self.reported.get(key)
        if repeat or last is None or now - last >= REPORT_AGAIN_AFTER:
            self.reported[key] = now
            self.stderr.write(f"configuration error in handler '{module_name}': {message}")

    def show_progress(self, summary: RunSummary) -> None:
        done = sum(summary.counts.values())
        self.stdout.write(
            f"\rbatches: {summary.batches}  claimed: {summary.claimed}  settled: {done}", ending=""
        )
        self.stdout.flush()


def check_options(options: dict) -> None:
    """Refuse option values that cannot work, with the allowed range."""
    for name in ("batch_size", "limit"):
        if options[name] is not None and options[name] < 1:
            raise CommandError(f"--{name.replace('_', '-')} must be a positive integer")
    size = options["batch_size"]
    if size is not None and size > conf.MAX_BATCH_SIZE:
        raise CommandError(f"--batch-size must be at most {conf.MAX_BATCH_SIZE}, not {size}")
    interval = options["interval"]
    if not math.isfinite(interval) or not MIN_INTERVAL <= interval <= MAX_INTERVAL:
        raise CommandError(
            f"--interval must be a number of seconds from {MIN_INTERVAL:g} to "
            f"{MAX_INTERVAL:g}, not {interval!r}"
        )
