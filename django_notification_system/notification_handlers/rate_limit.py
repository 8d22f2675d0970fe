"""A sliding-window rate limiter: never more than N items in any one second."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class RateLimiter:
    """Pace sends so that at most ``per_second`` items go out within any one second.

    A send counts from the moment it starts until one second after it *finished*, so
    whenever the provider sees a request arrive, sends more than ``per_second`` items apart
    are at least one full second apart on its side too. Thread-safe: concurrent senders
    share the budget, and a limiter kept for the process paces consecutive batches too.
    """

    window = 1.0

    def __init__(
        self,
        per_second: int,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if per_second < 1:
            raise ValueError(f"per_second must be at least 1, not {per_second}")
        self.per_second = per_second
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._finished: deque[tuple[float, int]] = deque()  # (finished at, count)
        self._in_flight = 0

    def _used(self, now: float) -> int:
        while self._finished and self._finished[0][0] <= now - self.window:
            self._finished.popleft()
        return self._in_flight + sum(count for _, count in self._finished)

    def _reserve(self, count: int) -> float:
        """Reserve ``count`` items now, or return how long to wait before trying again."""
        with self._lock:
            now = self._clock()
            if self._used(now) + count <= self.per_second:
                self._in_flight += count
                return 0.0
            if self._finished:
                return max(self._finished[0][0] + self.window - now, 0.001)
            return 0.01  # only sends in flight: check again shortly

    def _release(self, count: int) -> None:
        with self._lock:
            self._in_flight -= count
            self._finished.append((self._clock(), count))

    @contextmanager
    def slot(self, count: int) -> Iterator[None]:
        """Wait for room for ``count`` items, run the send, count it when it finishes."""
        if count > self.per_second:
            raise ValueError(f"{count} items can never fit in {self.per_second} per second")
        while (delay := self._reserve(count)) > 0:
            self._sleep(delay)
        try:
            yield
        finally:
            self._release(count)


_shared: dict[tuple[str, int], RateLimiter] = {}
_shared_lock = threading.Lock()


def shared_limiter(name: str, per_second: int) -> RateLimiter:
    """The process-wide limiter for ``name`` at this rate, so consecutive batches are paced too."""
    with _shared_lock:
        key = (name, per_second)
        if key not in _shared:
            _shared[key] = RateLimiter(per_second)
        return _shared[key]
