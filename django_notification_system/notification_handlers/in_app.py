"""In-app handler: the inbox shows a notification as soon as it is due, so "sending" it is
only bookkeeping. Marking due rows DELIVERED keeps status, stats and the admin summary true.
"""

from __future__ import annotations

from collections.abc import Sequence

from .base import ChannelHandler, Delivered, Outcome

#: Nothing here reads the user: the dispatcher need not load them.
NEEDS_USER = False


class InAppHandler(ChannelHandler):
    """No provider: one "call" settles a whole batch at once, on the dispatcher's terms."""

    chunk_size = 10_000
    timeout = 1.0

    def send_chunk(self, notifications: Sequence) -> list[Outcome]:
        """One ``Delivered`` per notification: the row itself is what the inbox shows."""
        return [Delivered() for _ in notifications]


Handler = InAppHandler


def send_batch(notifications: Sequence) -> list[Outcome]:
    """One ``Delivered`` per notification (see :class:`InAppHandler`)."""
    return InAppHandler.send_batch(notifications)
