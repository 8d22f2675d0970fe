"""Settings for child processes of the dispatch tests: the test settings plus test handlers."""

import os

from tests.settings import *  # noqa: F403

NOTIFICATION_SYSTEM_HANDLERS = ["tests.dispatch.handlers"]
NOTIFICATION_SYSTEM_LEASE_SECONDS = int(os.environ.get("DNS_LEASE_SECONDS", "600"))
if "DNS_LEASE_SECONDS" in os.environ:
    # Tests of expired leases shorten the lease below twice the handler timeout on purpose.
    SILENCED_SYSTEM_CHECKS = ["django_notification_system.E042"]
