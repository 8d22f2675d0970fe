"""Web Push creator: registers a browser's push subscription and schedules pushes to it.

A subscription is stored as a ``TargetUserRecord`` on the ``webpush`` target whose
``target_user_id`` is the ``PushSubscription`` as canonical JSON (``endpoint`` and
``keys``); the same endpoint registered again updates its record. ``extra`` carries
``data`` (handed to the service worker) and the push options ``ttl``, ``urgency``, ``topic``.
"""

from __future__ import annotations

import contextlib
import json
import re
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, router, transaction

from ..exceptions import NotificationSystemConfigurationError
from ..models import Notification, NotificationTarget, TargetUserRecord
from ..notification_handlers.webpush import MAX_PAYLOAD_BYTES, URGENCIES, build_payload
from ..notification_handlers.webpush import vapid_public_key as _vapid_public_key
from .base import create_for_user, validate_user

CHANNEL = "webpush"
#: Minutes between delivery attempts (as for Expo push).
DEFAULT_RETRY_TIME_INTERVAL = 60
#: The keys ``extra`` may hold.
PUSH_OPTIONS = frozenset({"data", "ttl", "urgency", "topic"})
#: RFC 8030 section 5.4: at most 32 characters of the URL-safe base64 alphabet.
TOPIC = re.compile(r"[A-Za-z0-9_-]{1,32}")
#: The field a subscription's problems are reported on (as ``full_clean()`` does).
FIELD = "target_user_id"


def vapid_public_key() -> str:
    """The application server key for ``pushManager.subscribe()`` (from the private key)."""
    return _vapid_public_key()


# -- Subscriptions --------------------------------------------------------------------------


def canonical_subscription(subscription: dict | str) -> str:
    """``subscription`` (a dict or JSON text) as the JSON stored in ``target_user_id``:
    ``endpoint`` and ``keys.p256dh``/``keys.auth`` only, keys sorted, no spaces.

    ``ValidationError`` on ``target_user_id`` when it is not a JSON object.
    """
    if isinstance(subscription, (str, bytes)):
        try:
            subscription = json.loads(subscription)
        except ValueError:
            raise ValidationError({FIELD: "not a push subscription: not valid JSON"}) from None
    if not isinstance(subscription, dict):
        raise ValidationError({FIELD: "not a push subscription: expected a JSON object"})
    keys = subscription.get("keys")
    keys = {k: keys.get(k) for k in ("p256dh", "auth")} if isinstance(keys, dict) else keys
    canonical = {"endpoint": subscription.get("endpoint"), "keys": keys}
    return json.dumps(canonical, sort_keys=True, separators=(",", ":"))


def endpoint_of(record: TargetUserRecord) -> str | None:
    """The endpoint of the subscription ``record`` holds; ``None`` if it holds none."""
    try:
        data = json.loads(record.target_user_id)
    except ValueError:
        return None
    return data.get("endpoint") if isinstance(data, dict) else None


def webpush_target(db: str | None = None) -> NotificationTarget:
    """The target serving ``webpush`` (preloaded by migration 0014)."""
    targets = NotificationTarget.objects.using(db) if db else NotificationTarget.objects
    target = targets.filter(notification_module_name=CHANNEL).order_by("created_date").first()
    if target is None:
        raise NotificationSystemConfigurationError(
            f"No notification target serves {CHANNEL!r}: run migrate (it adds 'Web Push') "
            f"or add a NotificationTarget with notification_module_name={CHANNEL!r}"
        )
    return target


def subscription_records(user, endpoint: str, db: str | None = None) -> list[TargetUserRecord]:
    """``user``'s Web Push records (active or not) whose subscription has ``endpoint``."""
    records = TargetUserRecord.objects.using(db) if db else TargetUserRecord.objects
    mine = records.filter(user=user, target__notification_module_name=CHANNEL)
    return [record for record in mine if endpoint_of(record) == endpoint]


def register_subscription(user, subscription: dict | str) -> TargetUserRecord:
    """Store ``subscription`` (``PushSubscription.toJSON()``, a dict or JSON text) for
    ``user`` and return its record, active.

    The same endpoint again updates that record (new keys, re-activated) instead of adding
    one. ``ValidationError`` on ``target_user_id`` for anything that is not a usable
    subscription (as ``full_clean()`` reports it); the message never repeats the value.
    """
    validate_user(user)
    value = canonical_subscription(subscription)
    endpoint = json.loads(value)["endpoint"]
    db = router.db_for_write(TargetUserRecord)
    try:
        return _register(user, value, endpoint, db)
    except IntegrityError:
        # A concurrent request stored the same subscription first: update that one.
        return _register(user, value, endpoint, db)


def _register(user, value: str, endpoint: Any, db: str) -> TargetUserRecord:
    with transaction.atomic(using=db):
        found = subscription_records(user, endpoint, db) if isinstance(endpoint, str) else []
        record = found[0] if found else TargetUserRecord(user=user, target=webpush_target(db))
        record.target_user_id = value
        record.active = True
        record.full_clean()
        record.save(using=db)
    return record


def unregister_subscription(user, endpoint: str) -> int:
    """Deactivate ``user``'s records of ``endpoint`` (the browser unsubscribed); how many
    there were. Their scheduled pushes then settle INACTIVE DEVICE; their history stays."""
    db = router.db_for_write(TargetUserRecord)
    records = subscription_records(user, endpoint, db)
    TargetUserRecord.objects.using(db).filter(pk__in=[r.pk for r in records]).update(active=False)
    return len(records)


# -- Notifications --------------------------------------------------------------------------


def prepare_content(title: str, body: str, extra: dict) -> tuple[str, str]:
    """Reject ``extra`` keys that are not push options and options of the wrong kind, and a
    payload too large for one push."""
    unknown = sorted(set(extra) - PUSH_OPTIONS)
    if unknown:
        raise ValueError(
            f"Unknown Web Push options in extra: {unknown}; allowed: {sorted(PUSH_OPTIONS)}"
        )
    ttl = extra.get("ttl")
    if ttl is not None and (isinstance(ttl, bool) or not isinstance(ttl, int) or ttl < 0):
        raise ValueError(f"extra['ttl'] must be a number of seconds (0 or more), not {ttl!r}")
    if "urgency" in extra and extra["urgency"] not in URGENCIES:
        raise ValueError(f"extra['urgency'] must be one of {sorted(URGENCIES)}")
    if "topic" in extra and not (
        isinstance(extra["topic"], str) and TOPIC.fullmatch(extra["topic"])
    ):
        raise ValueError("extra['topic'] must be 1-32 characters of A-Z, a-z, 0-9, - and _")
    check_payload_size(title, body, "", extra)
    return title, body


def check_payload_size(title: str, body: str, url: str, extra: dict | None) -> None:
    """``ValueError`` when the pushed JSON would not fit one push message (about 4 KB)."""
    sample = Notification(title=title, body=body or "", url=url or "", extra=extra or {})
    size = len(build_payload(sample))
    if size > MAX_PAYLOAD_BYTES:
        raise ValueError(
            f"The push payload (title, body, url, extra['data']) is {size} bytes as JSON; "
            f"a push message holds at most {MAX_PAYLOAD_BYTES}."
        )


def create_notification(
    user,
    title: str,
    body: str = "",
    scheduled_delivery: datetime | None = None,
    quiet: bool = False,
    extra: dict | None = None,
    category: str | None = None,
    url: str = "",
    idempotency_key: str | None = None,
    cancel_key: str | None = None,
) -> list[Notification]:
    """Schedule a push to each active browser subscription of ``user``; return the rows.

    The service worker receives ``{"title", "body", "url", "data"}`` (``data`` is
    ``extra["data"]``); ``url`` is what a click on the notification opens. Raises
    ``UserIsOptedOut``, ``UserHasNoTargetRecords`` or ``NotificationsNotCreated`` unless
    ``quiet``; ``[]`` when the user's preferences turn ``category`` off here. With an
    ``idempotency_key`` a repeated call creates nothing and returns the rows the key already
    names; ``cancel_key`` tags the rows for ``cancel_notifications``. ``ValueError`` for
    invalid input (unknown options, a payload over ~4 KB, ...).
    """
    with contextlib.suppress(TypeError):  # not JSON: the core's validation names the argument
        check_payload_size(title, body, url, extra if isinstance(extra, dict) else None)
    return create_for_user(
        CHANNEL,
        user,
        title,
        body,
        scheduled_delivery,
        DEFAULT_RETRY_TIME_INTERVAL,
        3,
        quiet,
        extra,
        idempotency_key=idempotency_key,
        cancel_key=cancel_key,
        category=category,
        url=url,
    )
