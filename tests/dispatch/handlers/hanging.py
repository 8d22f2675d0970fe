"""A handler that never answers within the (test) timeout."""

import threading

RELEASE = threading.Event()


def send_batch(notifications):
    RELEASE.wait(30)
    return []
