"""Real HTTP fakes of the providers, on loopback, for tests, benchmarks and the demo."""

from .expo import FakeExpo
from .server import FakeServer, RecordedRequest, peak_per_second
from .twilio import FakeTwilio

__all__ = ["FakeExpo", "FakeServer", "FakeTwilio", "RecordedRequest", "peak_per_second"]
