"""The sliding-window limiter, driven by a fake clock (no real waiting)."""

import pytest

from django_notification_system.notification_handlers.rate_limit import RateLimiter


class FakeClock:
    def __init__(self) -> None:
        self.now = 100.0
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(round(seconds, 3))
        self.now += seconds


def test_waits_until_the_oldest_send_leaves_the_window():
    clock = FakeClock()
    limiter = RateLimiter(250, clock=clock, sleep=clock.sleep)
    for _ in range(2):
        with limiter.slot(100):
            clock.now += 0.05  # the request takes 50 ms
    assert clock.slept == []
    with limiter.slot(100):  # 300 > 250: wait for the first send (done at 100.05) to age out
        pass
    assert clock.slept == [0.95]
    assert clock.now == pytest.approx(101.05)


def test_sends_in_flight_count_against_the_budget():
    clock = FakeClock()
    limiter = RateLimiter(150, clock=clock, sleep=clock.sleep)
    with limiter.slot(100):
        assert limiter._reserve(100) > 0  # the first 100 are still in flight
        assert limiter._reserve(50) == 0


def test_refuses_a_count_that_can_never_fit():
    with pytest.raises(ValueError), RateLimiter(10).slot(11):
        pass
    with pytest.raises(ValueError):
        RateLimiter(0)
