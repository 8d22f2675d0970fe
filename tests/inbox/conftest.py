"""The inbox tests share the headless Chromium of the operations tests."""

from tests.ops.conftest import browser  # noqa: F401
