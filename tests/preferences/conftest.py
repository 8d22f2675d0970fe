"""Fixtures for the preferences tests: the issue's three categories and a few users."""

from __future__ import annotations

import pytest
from django.test import override_settings

CATEGORIES = {
    "comments": {"label": "Comments on your posts", "defaults": {"email": True, "twilio": False}},
    "security": {"label": "Security alerts", "required": ["email"], "critical": True},
    "news": {"label": "Product news", "defaults": {"email": False}},
    "billing": {"label": "Billing", "required": ["email"]},
}


@pytest.fixture(autouse=True)
def categories():
    with override_settings(NOTIFICATION_SYSTEM_CATEGORIES=CATEGORIES):
        yield CATEGORIES


from tests.ops.conftest import browser  # noqa: E402, F401  (the headless Chromium fixture)
