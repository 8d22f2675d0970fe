"""Settings for child processes of the digest tests: the test settings plus digest categories."""

import os

from tests.settings import *  # noqa: F403

NOTIFICATION_SYSTEM_CATEGORIES = {
    "comments": {
        "label": "comments",
        "digest": {
            "channels": ["email"],
            "window": int(os.environ.get("DNS_DIGEST_WINDOW", "3600")),
            "max_items": int(os.environ.get("DNS_DIGEST_MAX_ITEMS", "50")),
        },
    },
}
