"""The preferences API: what application code and the settings page call.

Rows are sparse: :func:`set_preference` stores a row only where it changes what the user
gets, and a wildcard really covers what it names (turning off ``("*", "email")`` turns off
every category's email, overriding the user's older, more specific choices). The same holds
for the digest frequency: ``frequency="daily"`` for ``("*", "email")`` makes every
(non-critical) category's email daily.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import router, transaction

from ..conf.names import did_you_mean
from ..models import NotificationPreference, NotificationTarget
from ..models.preference import FREQUENCIES, IMMEDIATE
from .categories import ANY, Category, categories, get_category
from .resolution import (
    IN_APP_CHANNEL,
    Explanation,
    both_rows_by_user,
    explain_many,
    opted_out_users,
    resolve,
    resolve_frequency,
)

CHANNEL_MAX_LENGTH: int = NotificationPreference._meta.get_field("channel").max_length


@dataclass(frozen=True)
class Cell:
    """One (category, channel) of a user's matrix: the effective value, lock and reason,
    and the digest frequency (``frequency_locked`` for a critical category: always
    immediate)."""

    category: str
    channel: str
    enabled: bool
    locked: bool
    reason: str
    frequency: str = IMMEDIATE
    frequency_locked: bool = False


@dataclass(frozen=True)
class CategoryRow:
    """A category and its cells, one per channel of the matrix, in the matrix's order."""

    category: Category
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class PreferenceMatrix:
    """Everything a settings page needs: channels (columns) and one row per category."""

    channels: tuple[str, ...]
    rows: tuple[CategoryRow, ...]
    opted_out: bool = False

    def cell(self, category: str, channel: str) -> Cell:
        """The cell of (category, channel); ``KeyError`` when the matrix has none."""
        for row in self.rows:
            for cell in row.cells:
                if cell.category == category and cell.channel == channel:
                    return cell
        raise KeyError((category, channel))

    def as_dict(self) -> dict:
        """A JSON-ready form: ``{"channels": [...], "opted_out": b, "categories": [...]}``."""
        return {
            "channels": list(self.channels),
            "opted_out": self.opted_out,
            "categories": [
                {
                    "key": row.category.key,
                    "label": row.category.label,
                    "critical": row.category.critical,
                    "channels": {
                        cell.channel: {
                            "enabled": cell.enabled,
                            "locked": cell.locked,
                            "reason": cell.reason,
                            "frequency": cell.frequency,
                            "frequency_locked": cell.frequency_locked,
                        }
                        for cell in row.cells
                    },
                }
                for row in self.rows
            ],
        }


def site_channels() -> list[str]:
    """The channels preferences apply to: every target's module name, then any other channel
    a category names; one query."""
    names = list(
        NotificationTarget.objects.order_by("name").values_list(
            "notification_module_name", flat=True
        )
    )
    for category in categories().values():
        names.extend(sorted(category.channels()))
    return list(dict.fromkeys(names))


def explain(user, category: str, channel: str) -> Explanation:
    """Whether ``user`` gets ``category`` notifications on ``channel``, and the reason."""
    get_category(category)
    key = (user.pk, category, channel)
    return explain_many([key])[key]


def is_enabled(user, category: str, channel: str) -> bool:
    """Whether ``user`` gets ``category`` notifications on ``channel``."""
    return explain(user, category, channel).enabled


def preferences_for(user) -> PreferenceMatrix:
    """The user's whole category-by-channel matrix; at most three queries."""
    declared = categories()
    channels = tuple(site_channels())
    enabled_rows, frequency_rows = both_rows_by_user([user.pk], declared, channels)
    rows = (enabled_rows.get(user.pk, {}), frequency_rows.get(user.pk, {}))
    opted_out = bool(opted_out_users([user.pk]))
    return PreferenceMatrix(
        channels=channels,
        opted_out=opted_out,
        rows=tuple(
            CategoryRow(
                category=category,
                cells=tuple(_cell(category, channel, rows, opted_out) for channel in channels),
            )
            for category in declared.values()
        ),
    )


def _cell(category: Category, channel: str, rows: tuple[dict, dict], opted_out: bool) -> Cell:
    found = resolve(category, channel, rows[0], opted_out)
    frequency, _ = resolve_frequency(category, channel, rows[1])
    return Cell(
        category.key,
        channel,
        found.enabled,
        found.locked,
        found.reason,
        frequency=frequency,
        frequency_locked=category.critical or channel == IN_APP_CHANNEL,
    )


# --- writing -----------------------------------------------------------------------------


def _validate(category: str, channel: str, enabled, frequency) -> Category | None:
    if enabled is None and frequency is None:
        raise ValueError("Give enabled, frequency or both.")
    if enabled is not None and not isinstance(enabled, bool):
        raise ValueError(f"enabled must be True or False, not {enabled!r}")
    if frequency is not None and frequency not in FREQUENCIES:
        raise ValueError(
            f"frequency must be one of {', '.join(map(repr, FREQUENCIES))}, not {frequency!r}"
        )
    chosen = None if category == ANY else get_category(category)
    if not isinstance(channel, str) or not channel or len(channel) > CHANNEL_MAX_LENGTH:
        raise ValueError(f"channel must be a channel name or '*', not {channel!r}")
    if channel != ANY:
        known = site_channels()
        if channel not in known:
            raise ValueError(
                f"Unknown channel {channel!r}.{did_you_mean(channel, known, sentence=True)} "
                f"Known channels: {', '.join(map(repr, known)) or 'none'}"
            )
    if chosen is not None and chosen.critical and frequency not in (None, IMMEDIATE):
        raise ValueError(
            f"Category {category!r} is critical: its notifications are always sent immediately."
        )
    if channel == IN_APP_CHANNEL and frequency not in (None, IMMEDIATE):
        raise ValueError(
            "The in-app inbox is always immediate: group repeated in-app notifications "
            "with group_key instead of a digest frequency."
        )
    if enabled is False and chosen is not None:
        if chosen.critical:
            raise ValueError(f"Category {category!r} is critical: it cannot be turned off.")
        if channel in chosen.required:
            raise ValueError(
                f"Channel {channel!r} is required for category {category!r}: "
                "it cannot be turned off."
            )
    return chosen


def _covers(wildcard: tuple[str, str], key: tuple[str, str]) -> bool:
    """Whether ``key`` is a more specific row inside what ``wildcard`` names."""
    return key != wildcard and all(w in (ANY, k) for w, k in zip(wildcard, key, strict=True))


def _apply(layer: dict, wanted: tuple[str, str], value, cells: list, every_cell: list, value_of):
    """``layer`` (one choice's rows: (category, channel) -> value) with ``wanted`` set to
    ``value``: the covered rows dropped, overriding rows pinned, redundant rows removed."""
    rows = {key: old for key, old in layer.items() if not _covers(wanted, key)}
    rows[wanted] = value
    touched = [wanted]
    for c, ch in cells:
        if value_of(c, ch, rows) != value:
            rows[(c.key, ch)] = value
            touched.append((c.key, ch))
    effective = [value_of(c, ch, rows) for c, ch in every_cell]
    for key in touched:
        without = {k: v for k, v in rows.items() if k != key}
        if [value_of(c, ch, without) for c, ch in every_cell] == effective:
            rows = without
    return rows


def _enabled(category: Category, channel: str, rows: dict) -> bool:
    return resolve(category, channel, rows).enabled


def _frequency(category: Category, channel: str, rows: dict) -> str:
    return resolve_frequency(category, channel, rows)[0]


def set_preference(
    user,
    *,
    category: str = ANY,
    channel: str = ANY,
    enabled: bool | None = None,
    frequency: str | None = None,
) -> None:
    """Turn (category, channel) on or off for ``user``, and/or set its digest frequency
    (``"immediate"``, ``"hourly"``, ``"daily"`` or ``"weekly"``); either side may be
    ``"*"`` (all). At least one of ``enabled`` and ``frequency`` is given; the other choice
    is left as it is.

    Setting a wildcard removes the user's more specific rows it covers, and where a row of
    higher precedence would still override it (a ``("news", "*")`` row under a new
    ``("*", "email")``), pins that cell to the new value: "turn off all email" turns off all
    email, "all email daily" makes all email daily. A row is stored only where it changes
    what the user gets. Turning off a required channel, anything of a critical category, or
    giving a critical category a frequency other than immediate is a ``ValueError``; so are
    unknown categories, channels and frequencies (the message names the known ones).
    """
    chosen = _validate(category, channel, enabled, frequency)
    wanted = (category, channel)
    declared = categories()
    channels = site_channels()
    if channel not in channels:
        channels.append(channel)
    every = [(c, ch) for c in declared.values() for ch in channels]
    named = [
        (c, ch)
        for c in (declared.values() if chosen is None else [chosen])
        for ch in (channels if channel == ANY else [channel])
    ]
    db = router.db_for_write(NotificationPreference)
    with transaction.atomic(using=db):
        get_user_model()._default_manager.using(db).select_for_update().filter(pk=user.pk).first()
        stored = {
            (c, ch): (enabled_, frequency_)
            for c, ch, enabled_, frequency_ in NotificationPreference.objects.using(db)
            .filter(user=user.pk)
            .values_list("category", "channel", "enabled", "frequency")
        }
        layers = [
            {key: value[index] for key, value in stored.items() if value[index] is not None}
            for index in (0, 1)
        ]
        if enabled is not None:
            open_cell = [(c, ch) for c, ch in every if not c.is_locked(ch)]
            cells = [(c, ch) for c, ch in named if not c.is_locked(ch)]
            layers[0] = _apply(layers[0], wanted, enabled, cells, open_cell, _enabled)
        if frequency is not None:
            open_cell = [(c, ch) for c, ch in every if not c.critical]
            cells = [(c, ch) for c, ch in named if not c.critical]
            layers[1] = _apply(layers[1], wanted, frequency, cells, open_cell, _frequency)
        rows = {key: (layers[0].get(key), layers[1].get(key)) for key in {*layers[0], *layers[1]}}
        _store(db, user.pk, stored, rows)


def _store(db: str, user_pk, stored: dict, rows: dict) -> None:
    """Write the difference between ``stored`` and ``rows``: one DELETE, one INSERT."""
    stale = [key for key, value in stored.items() if rows.get(key) != value]
    fresh = [key for key, value in rows.items() if stored.get(key) != value]
    manager = NotificationPreference.objects.using(db)
    if stale:
        doomed = manager.none()
        for category, channel in stale:
            doomed |= manager.filter(user=user_pk, category=category, channel=channel)
        doomed.delete()
    if fresh:
        manager.bulk_create(
            [
                NotificationPreference(
                    user_id=user_pk,
                    category=category,
                    channel=channel,
                    enabled=rows[(category, channel)][0],
                    frequency=rows[(category, channel)][1],
                )
                for category, channel in fresh
            ]
        )
