"""Items take their digest's outcome: once a digest is final, so are the items it carried."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db.models import OuterRef, Subquery

from ..dispatch.locking import retry_if_locked
from ..models import Notification

logger = logging.getLogger(__name__)


def settle_carried_items(now: datetime) -> int:
    """Give every HELD item whose digest is final the digest's status; one UPDATE.

    The items also take the digest's attempted delivery date. Run after each dispatch run
    (and again at the next one, so that a run that stopped in between loses nothing).
    """
    digest = Notification.objects.filter(pk=OuterRef("digest_id"))
    carried = Notification.objects.filter(
        status=Notification.HELD, digest__status__in=Notification.FINAL_STATUSES
    )
    count = retry_if_locked(
        lambda: carried.update(
            status=Subquery(digest.values("status")[:1]),
            attempted_delivery=Subquery(digest.values("attempted_delivery")[:1]),
            modified_date=now,
        )
    )
    if count:
        logger.info("%d digest items took their digest's final status", count)
    return count
