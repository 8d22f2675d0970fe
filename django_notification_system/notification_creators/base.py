"""The generic creator core: schedule one notification for many users in a few queries.

Every channel creator (``email``, ``twilio``, ``expo`` and custom ones) is a thin wrapper
over :func:`create_notifications`. Per batch of users it runs a fixed number of queries,
whatever the batch's size:

1. one ``SELECT`` that tells, per user, whether each delivery rule that can be told in SQL
   lets them through (``Rule.eligible``: the opt-out, the notification's category turned off
   on this channel, no active record; see docs/delivery_rules.rst);
2. one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING``, which creates a row per
   active record of every eligible user; the unique constraints
   ``dns_notification_unique_pending`` and ``dns_notification_unique_key`` (idempotency
   keys) make concurrent callers skip rows that exist;
3. when more than one user got rows, one ``SELECT`` mapping records to users for the report;
4. with an idempotency key, when a user got nothing (or the batch is one user), one
   ``SELECT`` of the rows that already held the key (see ``keys.py``).

With a ``group_key`` (channels whose module sets ``GROUPS = True``: ``in_app``), the
``INSERT`` of step 2 runs in one transaction after a lock on the key and one ``UPDATE`` that
supersedes the group's current inbox items (see ``inbox/groups.py``), plus one ``UPDATE``
that puts an item back when its record got no new row after all.

A channel module may define ``prepare_content(title, body, extra) -> (title, body)`` to
validate or render its content, ``DEFAULT_RETRY_TIME_INTERVAL``, and
``provide_records(users, db)``: one statement per batch that gives users the records the
channel needs before step 1 (the in-app channel creates each user's record on first use).
"""

from __future__ import annotations

import enum
import json
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import NotSupportedError, connections, router, transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from ..dispatch.rules_chain import RuleChain
from ..exceptions import NotificationsNotCreated, UserHasNoTargetRecords, UserIsOptedOut
from ..inbox import groups
from ..keys.validation import rows_with_key, validate_key
from ..models import Notification, TargetUserRecord
from ..models.extra import check_headers, extra_fingerprint, validate_extra
from ..models.notification import check_title, check_title_characters
from ..notification_handlers.loading import find_module
from ..preferences.categories import Category, get_category
from ..rules.base import Scope
from ..workers.enqueue import after_creation

logger = logging.getLogger(__name__)

#: Minutes between delivery attempts when a channel does not define its own default.
DEFAULT_RETRY_TIME_INTERVAL = 1440
#: Users per batch when ``users`` is a list; a QuerySet is always one batch (subqueries).
DEFAULT_BATCH_SIZE = 5000
TITLE_MAX_LENGTH: int = Notification._meta.get_field("title").max_length
URL_MAX_LENGTH: int = Notification._meta.get_field("url").max_length


class SkipReason(str, enum.Enum):
    """Why a user got no notification."""

    OPTED_OUT = "opted_out"
    #: The user's preferences (or the category's default) turn this category off here.
    PREFERENCE = "preference"
    NO_ACTIVE_RECORD = "no_active_record"
    ALREADY_SCHEDULED = "already_scheduled"
    #: A row with the same idempotency key exists (see ``CreationResult.existing``).
    DUPLICATE_KEY = "duplicate_key"


@dataclass
class CreationResult:
    """What :func:`create_notifications` created, and which users it skipped and why."""

    created: list[Notification] = field(default_factory=list)
    #: user pk -> reason, for every user who got no notification at all.
    skipped: dict[Any, SkipReason] = field(default_factory=dict)
    #: Rows that already held the idempotency key and so were not created again.
    existing: list[Notification] = field(default_factory=list)

    def skipped_for(self, reason: SkipReason) -> list:
        """The pks of the users skipped for ``reason``."""
        return [pk for pk, why in self.skipped.items() if why == reason]

    def counts(self) -> dict[str, int]:
        """Created rows and skipped users per reason, e.g. for logging."""
        figures = {"created": len(self.created)}
        figures.update({reason.value: len(self.skipped_for(reason)) for reason in SkipReason})
        return figures


# --- validation -------------------------------------------------------------------------


def normalise_extra(extra: Any) -> dict:
    """``extra`` as a JSON-safe dict with keys sorted at every level (``None`` -> ``{}``).

    ``ValueError`` when it is not a dict, nests more than ``MAX_EXTRA_DEPTH`` (32) levels or
    is larger than ``MAX_EXTRA_BYTES`` (8 KB) as JSON, or when ``extra["headers"]`` has a
    name that is not an RFC 5322 field name or a value with a control character (a header
    injection). Sorted keys make ``{"a": 1, "b": 2}``
    and ``{"b": 2, "a": 1}`` the same stored data, hence the same ``extra_hash``.
    """
    if extra is None:
        return {}
    if not isinstance(extra, dict):
        raise ValueError(f"extra must be a dict, not {type(extra).__name__}")
    text = validate_extra(extra)
    check_headers(extra)
    return json.loads(text)


def validate_title(title: Any) -> str:
    """The title, or a ``ValueError`` if it is not a non-empty string within the field's
    limit, without line breaks or other control characters (email could never send it as a
    subject: it would be retried forever, or split into injected headers)."""
    if not isinstance(title, str) or not title.strip():
        raise ValueError("A notification needs a non-empty title.")
    if len(title) > TITLE_MAX_LENGTH:
        raise ValueError(
            f"The title is {len(title)} characters long; the limit is {TITLE_MAX_LENGTH}."
        )
    check_title(title)
    check_title_characters(title)
    return title


def validate_url(url: Any) -> str:
    """The link an inbox item opens, or a ``ValueError`` if it is not a short enough string."""
    if url is None:
        return ""
    if not isinstance(url, str):
        raise ValueError(f"url must be a string, not {type(url).__name__}")
    if len(url) > URL_MAX_LENGTH:
        raise ValueError(f"The url is {len(url)} characters long; the limit is {URL_MAX_LENGTH}.")
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("", "http", "https"):
        # Rendered as a link in inboxes: javascript: and data: URLs would run in the page.
        raise ValueError(f"url must be relative or http(s), not a {scheme}: URL")
    return url


def _validate_count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, not {value!r}")
    return value


def resolve_scheduled_delivery(scheduled_delivery: datetime | None) -> datetime:
    """``scheduled_delivery`` checked for the project's ``USE_TZ``; ``None`` means now."""
    if scheduled_delivery is None:
        return timezone.now()
    if not isinstance(scheduled_delivery, datetime):
        raise ValueError(
            f"scheduled_delivery must be a datetime, not {type(scheduled_delivery).__name__}"
        )
    aware = timezone.is_aware(scheduled_delivery)
    if settings.USE_TZ and not aware:
        raise ValueError(
            "scheduled_delivery is a naive datetime but USE_TZ is True: pass an aware datetime, "
            "e.g. timezone.make_aware(value) or value.replace(tzinfo=datetime.timezone.utc)."
        )
    if not settings.USE_TZ and aware:
        return timezone.make_naive(scheduled_delivery)
    return scheduled_delivery


# --- the core ---------------------------------------------------------------------------


def create_notifications(
    users: QuerySet | Iterable,
    channel: str,
    title: str,
    body: str = "",
    *,
    scheduled_delivery: datetime | None = None,
    retry_time_interval: int | None = None,
    max_retries: int = 3,
    extra: dict | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    idempotency_key: str | None = None,
    cancel_key: str | None = None,
    category: str | None = None,
    url: str = "",
    group_key: str | None = None,
    actor: str | None = None,
) -> CreationResult:
    """Schedule one notification per active record on ``channel`` of each of ``users``.

    ``users`` is a QuerySet of the user model (handled in subqueries, one batch) or an
    iterable of users or user pks (``batch_size`` per batch). ``channel`` is a target's
    ``notification_module_name``. ``category`` is a key of ``NOTIFICATION_SYSTEM_CATEGORIES``
    (unknown: ``ValueError`` naming the known ones); users whose preferences turn it off on
    this channel are skipped with ``SkipReason.PREFERENCE``, at no extra query. Opted-out
    users, users without an active record and users whose identical notification already
    exists are skipped and reported, never raised.

    ``idempotency_key`` (up to 255 characters): a record that already has a row with this
    key gets nothing new; such users are skipped as ``SkipReason.DUPLICATE_KEY`` and their
    rows listed in ``existing``. ``cancel_key`` tags the rows for ``cancel_notifications``.

    ``group_key`` (in-app only, up to 255 characters): the new notification replaces the
    user's unread notification with that key in the inbox, as one item counting both (see
    ``inbox/groups.py``); ``actor`` is who caused it (a display name, listed in ``actors``).
    """
    chosen = None if category in (None, "") else get_category(category)
    module = find_module(channel, "creators")
    idempotency_key = validate_key("idempotency_key", idempotency_key)
    cancel_key = validate_key("cancel_key", cancel_key)
    group_key = validate_key("group_key", group_key)
    if group_key and not getattr(module, "GROUPS", False):
        raise ValueError(f"group_key is for the in-app channel; {channel!r} does not group")
    actor = groups.validate_actor(actor)
    extra = normalise_extra(extra)
    prepare = getattr(module, "prepare_content", None)
    if prepare is not None:
        title, body = prepare(title, body, extra)
    if retry_time_interval is None:
        retry_time_interval = getattr(
            module, "DEFAULT_RETRY_TIME_INTERVAL", DEFAULT_RETRY_TIME_INTERVAL
        )
    now = timezone.now()
    template = Notification(
        title=validate_title(title),
        body=body if body is not None else "",
        extra=extra,
        extra_hash=extra_fingerprint(extra),
        category=chosen.key if chosen else "",
        status=Notification.SCHEDULED,
        scheduled_delivery=resolve_scheduled_delivery(scheduled_delivery),
        retry_time_interval=_validate_count("retry_time_interval", retry_time_interval),
        max_retries=_validate_count("max_retries", max_retries),
        idempotency_key=idempotency_key,
        cancel_key=cancel_key,
        url=validate_url(url),
        group_key=group_key,
        actors=[actor] if actor else [],
        created_date=now,
        modified_date=now,
    )
    _validate_count("batch_size", batch_size)
    db = router.db_for_write(Notification)
    result = CreationResult()
    provide_records = getattr(module, "provide_records", None)
    for batch in _user_batches(users, max(batch_size, 1), db):
        if provide_records is not None:
            provide_records(batch, db)
        _create_for_batch(batch, channel, template, db, result, chosen)
    after_creation(channel, result.created, db)
    logger.info("%s notifications: %s", channel, result.counts())
    return result


def create_for_user(
    channel: str,
    user,
    title: str,
    body: str = "",
    scheduled_delivery: datetime | None = None,
    retry_time_interval: int | None = None,
    max_retries: int = 3,
    quiet: bool = False,
    extra: dict | None = None,
    idempotency_key: str | None = None,
    cancel_key: str | None = None,
    category: str | None = None,
    url: str = "",
    group_key: str | None = None,
    actor: str | None = None,
) -> list[Notification]:
    """The documented per-user creator: the created notifications, or the 1.5.3 exceptions.

    Raises ``UserIsOptedOut``, ``UserHasNoTargetRecords`` or ``NotificationsNotCreated``
    (every row already existed) unless ``quiet``, each naming the user's pk and the channel;
    invalid input is a ``TypeError`` or ``ValueError`` naming the argument, always.
    A user whose preferences turn ``category`` off on this channel gets ``[]``, never an
    exception: it is their choice, not the caller's error.
    With an ``idempotency_key`` the rows that already hold it are returned too (after the
    created ones), and a call that finds only those returns them instead of raising.
    """
    validate_user(user)
    result = create_notifications(
        [user],
        channel,
        title,
        body,
        scheduled_delivery=scheduled_delivery,
        retry_time_interval=retry_time_interval,
        max_retries=max_retries,
        extra=extra,
        idempotency_key=idempotency_key,
        cancel_key=cancel_key,
        category=category,
        url=url,
        group_key=group_key,
        actor=actor,
    )
    if result.created or result.existing or quiet:
        return result.created + result.existing
    reason = result.skipped.get(user.pk)
    if reason == SkipReason.PREFERENCE:
        return []
    if reason == SkipReason.OPTED_OUT:
        raise UserIsOptedOut(f"User {user.pk} is opted out (channel {channel!r})")
    if reason == SkipReason.ALREADY_SCHEDULED:
        raise NotificationsNotCreated(
            f"No notification created for user {user.pk} on channel {channel!r}: "
            "an identical one is already scheduled"
        )
    raise UserHasNoTargetRecords.for_channel(user.pk, channel)


def validate_user(user: Any) -> None:
    """``user`` must be a saved instance of the user model: ``TypeError``/``ValueError`` if not."""
    User = get_user_model()
    if not isinstance(user, User):
        raise TypeError(
            f"user must be a saved {User.__name__} instance, not {type(user).__name__}"
        )
    if user.pk is None:
        raise ValueError("user must be saved (it has no pk) before it can be notified")


def _user_batches(users: QuerySet | Iterable, batch_size: int, db: str) -> Iterator[QuerySet]:
    User = get_user_model()
    if isinstance(users, QuerySet):
        if users.model._meta.concrete_model is not User._meta.concrete_model:
            raise TypeError(f"users must be a QuerySet of {User.__name__}, not of {users.model}")
        yield users.using(db)
        return
    pks = [getattr(user, "pk", user) for user in users]
    for start in range(0, len(pks), batch_size):
        yield User._default_manager.db_manager(db).filter(pk__in=pks[start : start + batch_size])


def _create_for_batch(
    users: QuerySet,
    channel: str,
    template: Notification,
    db: str,
    result: CreationResult,
    category: Category | None = None,
) -> None:
    users = users if users.query.is_sliced else users.order_by()
    user_pks = users.values("pk")
    # The delivery rules that can tell in SQL (opt-out, preferences, an active record): the
    # same rules the dispatcher runs, asked once per user and once per record.
    filters = [
        (rule, condition)
        for rule in RuleChain.load().rules
        if hasattr(rule, "eligible")
        and (condition := rule.eligible(Scope(channel, "pk", None, category, db))) is not None
    ]
    flags = users.annotate(
        **{f"_dns_rule_{i}": condition for i, (_, condition) in enumerate(filters)}
    ).values_list("pk", *(f"_dns_rule_{i}" for i in range(len(filters))))
    eligible = set()
    for pk, *passed in flags:
        verdicts = zip(filters, passed, strict=True)
        failed = next((rule for (rule, _), ok in verdicts if not ok), None)
        if failed is None:
            eligible.add(pk)
        else:
            result.skipped[pk] = _skip_reason(failed)
    if not eligible:
        return
    records = TargetUserRecord.objects.using(db).filter(
        target__notification_module_name=channel, user__in=user_pks
    )
    for i, (rule, _) in enumerate(filters):
        condition = rule.eligible(Scope(channel, "user", "", category, db))
        if condition is not None:
            records = records.alias(**{f"_dns_rule_{i}": condition}).filter(
                **{f"_dns_rule_{i}": True}
            )
    if template.group_key and template.scheduled_delivery <= timezone.now():
        created = _insert_grouped(records, template, db)
    else:
        created = _insert_from_records(records, template, db)
    result.created.extend(created)
    if len(eligible) == 1:
        served = eligible if created else set()
    else:
        record_users = dict(records.values_list("pk", "user_id"))
        served = {record_users.get(n.target_user_record_id) for n in created}
    unserved = eligible - served
    # The rows that held the key: of the users who got nothing and, for one user (the
    # per-user creator), also when another of their records got a new row.
    holders = eligible if len(eligible) == 1 else unserved
    if template.idempotency_key and holders:
        created_pks = {n.pk for n in created}
        existing = rows_with_key(records, template.idempotency_key, holders, db)
        existing = [n for n in existing if n.pk not in created_pks]
        result.existing.extend(existing)
        for user_pk in {n.target_user_record.user_id for n in existing} & unserved:
            result.skipped[user_pk] = SkipReason.DUPLICATE_KEY
            unserved.discard(user_pk)
    for pk in unserved:
        result.skipped[pk] = SkipReason.ALREADY_SCHEDULED


def _skip_reason(rule) -> SkipReason:
    """What the report says of a user ``rule`` turned away (a custom reason: preference)."""
    try:
        return SkipReason(getattr(rule, "skip_reason", SkipReason.PREFERENCE))
    except ValueError:
        return SkipReason.PREFERENCE


def _insert_grouped(records: QuerySet, template: Notification, db: str) -> list[Notification]:
    """Insert as :func:`_insert_from_records`, each new row replacing its group's inbox item.

    A notification scheduled for later is not grouped when created (it would hide the
    current item until it is due): it shows on its own, and the group's next one folds it.
    """
    with transaction.atomic(using=db):
        groups.lock_group(template.group_key, db)
        superseded = groups.supersede(records, template.group_key, template.scheduled_delivery, db)
        per_record = {
            record: {
                "group_count": template.group_count + items.count,
                "actors": groups.merge_actors(template.actors, items.actors),
            }
            for record, items in superseded.items()
        }
        created = _insert_from_records(records, template, db, per_record)
        served = {n.target_user_record_id for n in created}
        unserved = [
            pk for rec, items in superseded.items() if rec not in served for pk in items.pks
        ]
        if unserved:  # the row existed (same notification or idempotency key): keep the item
            groups.restore(unserved, db)
    return created


# --- the one INSERT ---------------------------------------------------------------------


def _random_uuid_sql(connection) -> str:
    """SQL for a random (version 4) UUID in the column format Django uses on this backend."""
    if connection.vendor == "postgresql":
        return "gen_random_uuid()"
    if connection.vendor == "sqlite":
        # Django stores UUIDs on SQLite as 32 lowercase hex digits.
        return (
            "lower(hex(randomblob(6)) || '4' || substr(hex(randomblob(2)), 2) "
            "|| substr('89ab', 1 + (random() & 3), 1) || substr(hex(randomblob(2)), 2) "
            "|| hex(randomblob(6)))"
        )
    raise NotSupportedError(f"Creators support PostgreSQL and SQLite, not {connection.vendor}.")


def _placeholder(model_field, connection) -> str:
    # PostgreSQL types an untyped SELECT-list parameter as text; name the column type.
    if connection.vendor == "postgresql":
        return f"CAST(%s AS {model_field.db_type(connection)})"
    return "%s"


#: Fields a creation may set per record (``_insert_from_records``' ``per_record``).
PER_RECORD_FIELDS = {"group_count": "integer", "actors": "jsonb"}


def _per_record_join(per_record: dict, connection) -> tuple[str, list]:
    """A ``LEFT JOIN`` of the per-record values, passed as one JSON parameter (any size)."""
    record_pk = TargetUserRecord._meta.pk
    rows = [
        {"r": str(record_pk.get_db_prep_value(record, connection)), **values}
        for record, values in per_record.items()
    ]
    on = f"v.r = r.{connection.ops.quote_name('_dns_record')}"
    if connection.vendor == "postgresql":
        types = ", ".join(f"{name} {kind}" for name, kind in PER_RECORD_FIELDS.items())
        table = f"jsonb_to_recordset(CAST(%s AS jsonb)) AS v(r uuid, {types})"
    else:
        picks = ", ".join(
            f"json_extract(value, '$.{name}') AS {name}" for name in PER_RECORD_FIELDS
        )
        table = f"(SELECT json_extract(value, '$.r') AS r, {picks} FROM json_each(%s)) v"
    return f" LEFT JOIN {table} ON {on}", [json.dumps(rows)]


def _insert_from_records(
    records: QuerySet, template: Notification, db: str, per_record: dict | None = None
) -> list[Notification]:
    """Insert a copy of ``template`` for each of ``records``; return the rows really created.

    Rows that would break ``dns_notification_unique_pending`` (also those a concurrent
    process inserts first) are skipped by ``ON CONFLICT DO NOTHING``; ``RETURNING`` names
    the ones this statement created. ``per_record`` (record pk -> {field: value}, fields of
    ``PER_RECORD_FIELDS``) overrides the template's values for some records.
    """
    connection = connections[db]
    if not connection.features.can_return_rows_from_bulk_insert:
        raise NotSupportedError("Creators need INSERT ... RETURNING (PostgreSQL, SQLite 3.35+).")
    qn = connection.ops.quote_name
    meta = Notification._meta
    fk = meta.get_field("target_user_record")
    record_sql, record_params = (
        records.values(_dns_record=F("pk")).query.get_compiler(using=db).as_sql()
    )
    columns, selects, params, attnames = [], [], [], []
    for model_field in meta.concrete_fields:
        columns.append(qn(model_field.column))
        attnames.append(model_field.attname)
        if model_field.primary_key:
            selects.append(_random_uuid_sql(connection))
        elif model_field is fk:
            selects.append(f"r.{qn('_dns_record')}")
        elif per_record and model_field.name in PER_RECORD_FIELDS:
            placeholder = _placeholder(model_field, connection)
            selects.append(f"COALESCE(v.{model_field.name}, {placeholder})")
            value = getattr(template, model_field.attname)
            params.append(model_field.get_db_prep_save(value, connection))
        else:
            selects.append(_placeholder(model_field, connection))
            value = getattr(template, model_field.attname)
            params.append(model_field.get_db_prep_save(value, connection))
    join, join_params = _per_record_join(per_record, connection) if per_record else ("", [])
    sql = (
        f"INSERT INTO {qn(meta.db_table)} ({', '.join(columns)}) "
        f"SELECT {', '.join(selects)} FROM ({record_sql}) r{join} WHERE 1 = 1 "
        f"ON CONFLICT DO NOTHING RETURNING {qn(meta.pk.column)}, {qn(fk.column)}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *record_params, *join_params])
        returned = cursor.fetchall()
    record_pk = TargetUserRecord._meta.pk
    created = []
    for pk, record_id in returned:
        values = [getattr(template, name) for name in attnames]
        values[attnames.index(meta.pk.attname)] = meta.pk.to_python(pk)
        values[attnames.index(fk.attname)] = record_pk.to_python(record_id)
        for name, value in (per_record or {}).get(values[attnames.index(fk.attname)], {}).items():
            values[attnames.index(name)] = value
        created.append(Notification.from_db(db, attnames, values))
    return created
