"""Enqueue on create: after a creator's rows commit, ask a worker to deliver them now.

With ``NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE = "tasks"`` or ``"celery"``, each creator
call (not each row) registers one ``transaction.on_commit`` callback, so a worker is never
asked to send rows it cannot see yet; a rolled-back creation enqueues nothing.

Coalescing is in-process (no shared cache needed): the first request after a quiet
period is enqueued at once; requests within the next
``NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS`` are folded into one trailing enqueue at
the end of that window, for the union of their channels. A burst therefore costs each
process at most one enqueue per window, and every committed row is followed by an enqueue
issued after its commit (``deliver_due`` claims rows due when it starts), so no row waits
longer than the window plus the queue's own delay. The enqueue is only a hint: the claim
protocol decides who sends, and cron (or beat) still delivers whatever a lost hint left.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Sequence
from functools import partial

from django.db import transaction
from django.utils import timezone

from .. import conf

logger = logging.getLogger(__name__)


def enqueue_deliver_due(backend: str, channels: Sequence[str]) -> None:
    """Enqueue one ``deliver_due(targets=channels)`` on ``backend``: ``tasks`` or ``celery``."""
    if backend == "tasks":
        from .tasks import deliver_due

        deliver_due.enqueue(targets=list(channels))
    elif backend == "celery":
        from .celery import deliver_due

        deliver_due.delay(targets=list(channels))
    else:
        raise ValueError(f"unknown enqueue backend {backend!r}")


def _send_hint(backend: str, channels: Sequence[str]) -> None:
    try:
        enqueue_deliver_due(backend, channels)
    except Exception as exc:
        # The rows are committed; cron or beat delivers them. Only the type is logged: a
        # broker error's text may carry its URL, and with it a password.
        logger.warning(
            "could not enqueue deliver_due via %s (%s); the next scheduled run delivers",
            backend,
            type(exc).__name__,
        )


class Coalescer:
    """Leading-and-trailing debounce of enqueue requests, per backend, in one process."""

    def __init__(self, send=_send_hint, clock=time.monotonic) -> None:
        self.send = send
        self.clock = clock
        self.lock = threading.Lock()
        self.last_sent: dict[str, float] = {}
        self.pending: dict[str, set[str]] = {}
        self.timers: dict[str, threading.Timer] = {}

    def request(self, backend: str, channels: Iterable[str]) -> None:
        """Enqueue now, or fold ``channels`` into the trailing enqueue of this window."""
        window = conf.enqueue_coalesce_seconds()
        with self.lock:
            if backend in self.timers:
                self.pending[backend].update(channels)
                return
            now = self.clock()
            wait = self.last_sent.get(backend, -window) + window - now
            if wait <= 0:
                self.last_sent[backend] = now
            else:
                self.pending[backend] = set(channels)
                timer = threading.Timer(wait, self.flush, args=(backend,))
                self.timers[backend] = timer
                timer.start()
                return
        self.send(backend, sorted(set(channels)))

    def flush(self, backend: str) -> None:
        """Send the trailing enqueue of ``backend``'s window (the timer calls this)."""
        with self.lock:
            self.timers.pop(backend, None)
            channels = self.pending.pop(backend, set())
            self.last_sent[backend] = self.clock()
        if channels:
            self.send(backend, sorted(channels))

    def flush_all(self) -> None:
        """Send every pending trailing enqueue now (e.g. before a short-lived process exits)."""
        with self.lock:
            backends = list(self.timers)
            for backend in backends:
                self.timers[backend].cancel()
        for backend in backends:
            self.flush(backend)


coalescer = Coalescer()


def after_creation(channel: str, created: list, using: str) -> None:
    """Creators call this once per call: hint a worker once ``created`` rows have committed.

    Nothing happens with the default setting (cron only), when nothing was created, or
    when the rows are scheduled for later (the scheduled run picks them up then).
    """
    backend = conf.enqueue_on_create()
    if backend is None or not created:
        return
    if created[0].scheduled_delivery > timezone.now():  # one call's rows share it
        return
    transaction.on_commit(partial(coalescer.request, backend, [channel]), using=using)
