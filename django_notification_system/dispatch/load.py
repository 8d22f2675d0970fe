"""Load a claimed batch as model instances, at a cost close to reading the rows.

The claim has just fixed ``status``, ``attempted_delivery`` and the bookkeeping
columns of every row it took, so they are set from what the claim wrote instead of
being read back and converted again. The other columns come from one ``values_list``
query (the database backend's own converters apply), and the instances are built
the way ``Model.from_db`` builds them, minus ``Model.__init__``'s per-field loop, the
largest part of a load that cost a third of a send (see :func:`instance_builder`).
Handlers get the same objects as before: a ``Notification`` whose ``target_user_record``
and its ``target`` are loaded; columns not loaded are deferred as with ``QuerySet.defer``.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime

from django.db import models
from django.db.models import Exists, OuterRef
from django.db.models.base import ModelState
from django.db.models.signals import post_init, pre_init

from ..models import Notification, NotificationOptOut, NotificationTarget, TargetUserRecord
from .locking import retry_if_locked

#: Columns no handler reads. Left deferred: not loading them saves a conversion per
#: column and row; a 1.5.3-style handler's ``save()`` skips deferred fields.
BOOKKEEPING_FIELDS = frozenset(
    {
        "created_date",
        "modified_date",
        "lease_expires_at",
        "claim_token",
        "provider_status",
        "provider_status_at",
        "last_error",
        "idempotency_key",
        "cancel_key",
    }
)
#: Columns whose value the claim itself wrote (set from it, not read back).
CLAIMED_FIELDS = frozenset({"status", "attempted_delivery"})

RECORD = "target_user_record"


def _loaded_attnames(model: type[models.Model], skip: frozenset) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields if f.attname not in skip]


def instance_builder(
    model: type[models.Model], db: str, attnames: Sequence[str], constants: dict | None = None
) -> Callable[[Sequence], models.Model]:
    """A function making saved ``model`` instances from rows of converted ``attnames`` values.

    Every instance also gets ``constants`` (attname -> value). What it makes equals
    ``model.from_db(db, ...)`` with the other fields deferred: the same ``_state`` and
    the same attributes. Without ``pre_init``/``post_init`` receivers on the model,
    ``Model.__init__`` only copies the values onto the instance one by one, so they are
    copied at once; with receivers (or a custom ``__init__``), ``from_db`` runs as usual
    so that they see every instance.
    """
    constants = constants or {}
    if (
        model.__init__ is not models.Model.__init__
        or pre_init.has_listeners(model)
        or post_init.has_listeners(model)
    ):
        fields = model._meta.concrete_fields

        def from_db(row: Sequence) -> models.Model:
            values = {**dict(zip(attnames, row, strict=True)), **constants}
            ordered = [values.get(f.attname, models.DEFERRED) for f in fields]
            return model.from_db(db, list(values), ordered)

        return from_db

    def build(row: Sequence) -> models.Model:
        obj = model.__new__(model)
        obj.__dict__.update(zip(attnames, row, strict=True))
        obj.__dict__.update(constants)
        state = obj._state = ModelState()
        state.adding = False
        state.db = db
        return obj

    return build


def claimed_notifications(
    token: uuid.UUID, claimed_at: datetime, targets: dict | None = None
) -> list[Notification]:
    """The rows claimed under ``token`` at ``claimed_at``, record and target loaded.

    Users are not loaded: the built-in handlers never read them, and the dispatcher
    loads them in one query per batch for handlers that may (``Handler.needs_user``).
    ``user_opted_out`` is set on each row so that no check needs a query per row.
    Filtering on the claim's ``modified_date`` lets the (status, modified_date) index
    find the batch without scanning the table. Targets are few: they come from the
    ``targets`` cache (id -> target, filled as needed) instead of a join per row.
    """
    # One row: the notification's columns, then the record's (its id first, shared
    # with the notification's foreign key), then the opt-out flag.
    notification_fields = [
        *_loaded_attnames(Notification, BOOKKEEPING_FIELDS | CLAIMED_FIELDS | {f"{RECORD}_id"}),
        f"{RECORD}_id",
    ]
    record_fields = ["id", *_loaded_attnames(TargetUserRecord, BOOKKEEPING_FIELDS | {"id"})]
    active_opt_out = NotificationOptOut.objects.filter(
        user_id=OuterRef(f"{RECORD}__user_id"), active=True
    )
    queryset = (
        Notification.objects.filter(
            status=Notification.SENDING, modified_date=claimed_at, claim_token=token
        )
        .annotate(user_opted_out=Exists(active_opt_out))
        .order_by("scheduled_delivery")
        .values_list(
            *notification_fields,
            *(f"{RECORD}__{name}" for name in record_fields[1:]),
            "user_opted_out",
        )
    )
    rows = retry_if_locked(lambda: list(queryset))
    record_start = len(notification_fields) - 1
    target_column = record_start + record_fields.index("target_id")
    targets = {} if targets is None else targets
    missing = {row[target_column] for row in rows} - targets.keys()
    if missing:
        targets.update(NotificationTarget.objects.in_bulk(missing))
    new_record = instance_builder(TargetUserRecord, queryset.db, record_fields)
    new_notification = instance_builder(
        Notification,
        queryset.db,
        notification_fields,
        {"status": Notification.SENDING, "attempted_delivery": claimed_at},
    )
    notifications = []
    for row in rows:
        record = new_record(row[record_start:-1])
        record._state.fields_cache["target"] = targets[row[target_column]]
        notification = new_notification(row[: record_start + 1])
        notification._state.fields_cache[RECORD] = record
        notification.user_opted_out = row[-1]
        notifications.append(notification)
    return notifications
