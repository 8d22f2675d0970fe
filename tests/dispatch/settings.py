"""Settings for child processes of the dispatch tests: the test settings plus test handlers."""

import os

from tests.settings import *  # noqa: F403

NOTIFICATION_SYSTEM_HANDLERS = ["tests.dispatch.handlers"]
NOTIFICATION_SYSTEM_LEASE_SECONDS = int(os.environ.get("DNS_LEASE_SECONDS", "600"))
