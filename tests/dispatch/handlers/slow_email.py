"""The built-in email handler behind a pause, so a test can kill a run mid-batch.

With ``DNS_SLOW_MARKER`` set, each batch first writes that file and sleeps
``DNS_SLOW_SECONDS`` before sending.
"""

import os
import time
from pathlib import Path

from django_notification_system.notification_handlers import email


def send_batch(notifications):
    marker = os.environ.get("DNS_SLOW_MARKER")
    if marker:
        Path(marker).write_text(str(len(notifications)))
        time.sleep(float(os.environ.get("DNS_SLOW_SECONDS", "60")))
    return email.send_batch(notifications)
