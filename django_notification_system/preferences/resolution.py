"""Resolve whether a (user, category, channel) is on, and why, for one user or many at once.

Resolution order, first match wins: the 1.5.3 global opt-out (off, ``"opt-out"``) → a
critical category (on, ``"critical"``) → a required channel (on, ``"required"``) → the user's
row for (category, channel) → (category, ``*``) → (``*``, channel) → (``*``, ``*``) (each
``"preference:<category>/<channel>"`` as stored) → the category's default (``"default"``; a
channel missing from ``defaults`` is on).

A row may leave ``enabled`` empty (it only sets a frequency): it is skipped. The digest
frequency (:func:`resolve_frequency`) follows the same order over the rows that set one:
a critical category is always ``"immediate"``, and so is a cell no row decides.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from django.db.models import BooleanField, Case, CharField, OuterRef, Q, Subquery, Value, When
from django.db.models.functions import Coalesce

from ..models import NotificationOptOut, NotificationPreference
from ..models.preference import IMMEDIATE
from .categories import ANY, Category, categories, get_category

OPT_OUT = "opt-out"
CRITICAL = "critical"
REQUIRED = "required"
DEFAULT = "default"
#: Why the in-app channel's frequency is always immediate: the inbox is read when the user
#: looks, and repeated in-app notifications are grouped there (``group_key``), not digested.
INBOX = "inbox"
#: The in-app channel's module name (the inbox's channel).
IN_APP_CHANNEL = "in_app"
PREFERENCE_PREFIX = "preference:"

#: A (user pk, category key, channel) triple, the key of :func:`explain_many`.
Key = tuple


@dataclass(frozen=True)
class Explanation:
    """Whether notifications of a category reach a user on a channel, and why.

    ``reason`` is a short stable string (see the module docstring); ``locked`` says the
    user cannot change it (a critical category or a required channel).
    """

    enabled: bool
    reason: str
    locked: bool = False


def lookup_order(category: str, channel: str) -> tuple[tuple[str, str], ...]:
    """The preference rows that can decide (category, channel), most specific first."""
    return ((category, channel), (category, ANY), (ANY, channel), (ANY, ANY))


def preference_reason(category: str, channel: str) -> str:
    """The reason naming a preference row, e.g. ``"preference:comments/*"``."""
    return f"{PREFERENCE_PREFIX}{category}/{channel}"


def resolve(
    category: Category,
    channel: str,
    rows: Mapping[tuple[str, str], bool],
    opted_out: bool = False,
) -> Explanation:
    """Apply the resolution order to one user's ``rows`` ((category, channel) -> enabled)."""
    locked = category.is_locked(channel)
    if opted_out:
        return Explanation(False, OPT_OUT, locked)
    if category.critical:
        return Explanation(True, CRITICAL, True)
    if channel in category.required:
        return Explanation(True, REQUIRED, True)
    for key in lookup_order(category.key, channel):
        if key in rows:
            return Explanation(rows[key], preference_reason(*key), False)
    return Explanation(category.default_for(channel), DEFAULT, False)


def resolve_frequency(
    category: Category, channel: str, rows: Mapping[tuple[str, str], str]
) -> tuple[str, str]:
    """``(frequency, reason)`` of one user's (category, channel) from ``rows``
    ((category, channel) -> frequency, the rows that set one)."""
    if category.critical:
        return IMMEDIATE, CRITICAL
    if channel == IN_APP_CHANNEL:
        return IMMEDIATE, INBOX
    for key in lookup_order(category.key, channel):
        if key in rows:
            return rows[key], preference_reason(*key)
    return IMMEDIATE, DEFAULT


def both_rows_by_user(
    user_pks: Collection, category_keys: Collection[str], channels: Collection[str]
) -> tuple[dict, dict]:
    """``({user pk: {(category, channel): enabled}}, {user pk: {(category, channel):
    frequency}})`` for the rows that can decide these categories and channels (wildcards
    included), each row in the map of the choices it makes; one query."""
    enabled_rows: dict = defaultdict(dict)
    frequency_rows: dict = defaultdict(dict)
    if not user_pks:
        return enabled_rows, frequency_rows
    query = NotificationPreference.objects.filter(
        user_id__in=list(user_pks),
        category__in=[*category_keys, ANY],
        channel__in=[*channels, ANY],
    ).values_list("user_id", "category", "channel", "enabled", "frequency")
    for user_pk, category, channel, enabled, frequency in query:
        if enabled is not None:
            enabled_rows[user_pk][(category, channel)] = enabled
        if frequency is not None:
            frequency_rows[user_pk][(category, channel)] = frequency
    return enabled_rows, frequency_rows


def rows_by_user(
    user_pks: Collection, category_keys: Collection[str], channels: Collection[str]
) -> dict:
    """``{user pk: {(category, channel): enabled}}`` for the rows that can decide these
    categories and channels (wildcards included); one query."""
    return both_rows_by_user(user_pks, category_keys, channels)[0]


def frequencies_many(keys: Iterable[Key]) -> dict[Key, str]:
    """The digest frequency of each (user pk, category key, channel) of ``keys``.

    One query whatever the number of keys, none when every category is critical. Keys of a
    category not declared are ``"immediate"`` (its settings, which give preferences a
    meaning, are gone).
    """
    keys = set(keys)
    declared = categories()
    open_keys = {k for k in keys if k[1] in declared and not declared[k[1]].critical}
    rows = {}
    if open_keys:
        rows = both_rows_by_user(
            {k[0] for k in open_keys}, {k[1] for k in open_keys}, {k[2] for k in open_keys}
        )[1]
    return {
        key: resolve_frequency(declared[key[1]], key[2], rows.get(key[0], {}))[0]
        if key in open_keys
        else IMMEDIATE
        for key in keys
    }


def opted_out_users(user_pks: Collection) -> set:
    """The pks among ``user_pks`` with an active 1.5.3 opt-out; one query."""
    if not user_pks:
        return set()
    return set(
        NotificationOptOut.objects.filter(user_id__in=list(user_pks), active=True).values_list(
            "user_id", flat=True
        )
    )


def explain_many(
    keys: Iterable[Key], *, opted_out: Collection | None = None
) -> dict[Key, Explanation]:
    """An :class:`Explanation` for each (user pk, category key, channel) of ``keys``.

    At most two queries whatever the number of keys: the opt-outs (skipped when the caller
    passes ``opted_out``, the pks it already knows to be opted out) and the preference rows
    (skipped when every key is locked). Unknown categories are a ``ValueError``.
    """
    keys = set(keys)
    declared = categories()
    for _, category_key, _ in keys:
        if category_key not in declared:
            get_category(category_key)  # raises, naming the known ones
    open_keys = {k for k in keys if not declared[k[1]].is_locked(k[2])}
    if opted_out is None:
        opted_out = opted_out_users({user_pk for user_pk, _, _ in keys})
    rows = rows_by_user(
        {k[0] for k in open_keys}, {k[1] for k in open_keys}, {k[2] for k in open_keys}
    )
    return {
        key: resolve(declared[key[1]], key[2], rows.get(key[0], {}), key[0] in opted_out)
        for key in keys
    }


def enabled_expression(category: Category, channel: str, user_ref: str = "pk"):
    """A SQL expression: whether the user at ``OuterRef(user_ref)`` gets ``category`` on
    ``channel`` by their preferences and the category's default (the opt-out aside).

    ``None`` when the cell is locked (critical or required): nothing to check. Creators
    annotate or filter with it so that preferences cost no extra query at all.
    """
    if category.is_locked(channel):
        return None
    specificity = (
        Case(When(category=ANY, then=Value(1)), default=Value(0)),
        Case(When(channel=ANY, then=Value(1)), default=Value(0)),
    )
    deciding_row = (
        NotificationPreference.objects.filter(
            user=OuterRef(user_ref),
            category__in=[category.key, ANY],
            channel__in=[channel, ANY],
            enabled__isnull=False,
        )
        .order_by(*specificity)
        .values("enabled")[:1]
    )
    return Coalesce(
        Subquery(deciding_row, output_field=BooleanField()),
        Value(category.default_for(channel)),
        output_field=BooleanField(),
    )


def frequency_expression(user_ref: str, category_ref: str, channel_ref: str):
    """A SQL expression: the frequency of the user at ``OuterRef(user_ref)`` for the
    (category, channel) at ``OuterRef(category_ref)``, ``OuterRef(channel_ref)``, by the
    precedence of :func:`resolve_frequency` (critical categories aside: the caller handles
    them). The digest flush compares it with the frequency a window was held under.
    """
    deciding_row = (
        NotificationPreference.objects.filter(
            Q(category=OuterRef(category_ref)) | Q(category=ANY),
            Q(channel=OuterRef(channel_ref)) | Q(channel=ANY),
            user=OuterRef(user_ref),
            frequency__isnull=False,
        )
        .order_by(
            Case(When(category=ANY, then=Value(1)), default=Value(0)),
            Case(When(channel=ANY, then=Value(1)), default=Value(0)),
        )
        .values("frequency")[:1]
    )
    return Coalesce(Subquery(deciding_row), Value(IMMEDIATE), output_field=CharField())
