"""A sliding-window rate limiter: never more than N items in any one second."""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


class RateLimiter:
    """Pace sends so that at most ``per_second`` items go out within any one second.

    A send is counted from when it *finished*, so whatever moment the provider sees a
    request arrive, two sends more than ``per_second`` items apart are at least one full
    second apart on its side too. Sends are expected to be sequential.
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
        self._sent: deque[tuple[float, int]] = deque()

    def _used(self, now: float) -> int:
        while self._sent and self._sent[0][0] <= now - self.window:
            self._sent.popleft()
        return sum(count for _, count in self._sent)

    def wait_for(self, count: int) -> None:
        """Block until ``count`` more items fit in the current window."""
        if count > self.per_second:
            raise ValueError(f"{count} items can never fit in {self.per_second} per second")
        while True:
            now = self._clock()
            if self._used(now) + count <= self.per_second:
                return
            self._sleep(max(self._sent[0][0] + self.window - now, 0.001))

    def record(self, count: int) -> None:
        self._sent.append((self._clock(), count))

    @contextmanager
    def slot(self, count: int) -> Iterator[None]:
        """Wait for room for ``count`` items, run the send, count it when it finishes."""
        self.wait_for(count)
        try:
            yield
        finally:
            self.record(count)
