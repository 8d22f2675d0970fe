"""Fixtures for Web Push: a throwaway VAPID key, the loopback push service checking it, and
``NOTIFICATION_SYSTEM_TARGETS["webpush"]`` pointing at both."""

from __future__ import annotations

import pytest

# pywebpush comes with the [webpush] extra, which `make venv` installs ([all]): a missing
# SDK is a failure here, never a silent skip.
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid

from tests.fakes.webpush import FakePushService, b64url

SUBJECT = "mailto:ops@example.com"


@pytest.fixture(scope="session")
def vapid() -> Vapid:
    """A VAPID key made for this test session only."""
    key = Vapid()
    key.generate_keys()
    return key


@pytest.fixture(scope="session")
def vapid_pem(vapid) -> str:
    return vapid.private_pem().decode()


@pytest.fixture(scope="session")
def vapid_public(vapid) -> str:
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(raw)


@pytest.fixture
def push_service(vapid_public):
    with FakePushService(vapid_public, SUBJECT) as fake:
        yield fake


@pytest.fixture
def webpush_settings(settings, vapid_pem):
    settings.NOTIFICATION_SYSTEM_TARGETS = {
        **settings.NOTIFICATION_SYSTEM_TARGETS,
        "webpush": {"vapid_private_key": vapid_pem, "vapid_subject": SUBJECT, "timeout": 5},
    }
    return settings.NOTIFICATION_SYSTEM_TARGETS["webpush"]
