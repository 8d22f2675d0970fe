"""Rules for ``Notification.extra``: how deep and how large it may be, and its fingerprint.

The de-duplication rule (one pending notification per record, delivery time, title and
``extra``) compares ``extra`` through a SHA-256 fingerprint of its canonical JSON rather
than the JSON itself: a database index on the JSON would refuse a large ``extra`` (a
PostgreSQL btree entry holds about 2.7 KB).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

#: Deepest nesting of dicts and lists ``extra`` may have (``{"a": {"b": 1}}`` is depth 2).
MAX_EXTRA_DEPTH = 32
#: Largest ``extra`` in bytes, serialised as compact UTF-8 JSON.
MAX_EXTRA_BYTES = 8 * 1024


def canonical_json(extra: Any) -> str:
    """``extra`` as compact JSON with sorted keys: equal data, equal text."""
    return json.dumps(extra, sort_keys=True, separators=(",", ":"), allow_nan=False)


def check_depth(extra: Any, limit: int = MAX_EXTRA_DEPTH) -> None:
    """Raise ``ValueError`` if ``extra`` nests deeper than ``limit`` (checked without recursion,
    so a hostile 10,000-deep structure is refused rather than crashing the interpreter)."""
    stack = [(extra, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, (list, tuple)):
            children = value
        else:
            continue
        if depth > limit:
            raise ValueError(f"extra is nested more than {limit} levels deep.")
        stack.extend((child, depth + 1) for child in children)


def validate_extra(extra: Any) -> str:
    """Check depth, JSON-safety and size of ``extra``; return its canonical JSON.

    Raises ``ValueError`` naming the rule that was broken.
    """
    check_depth(extra)
    try:
        text = canonical_json(extra)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"extra must be JSON-serialisable: {exc}") from exc
    size = len(text.encode())
    if size > MAX_EXTRA_BYTES:
        raise ValueError(
            f"extra is {size} bytes as JSON; the limit is {MAX_EXTRA_BYTES} bytes "
            "(store large data elsewhere and put its id in extra)."
        )
    return text


def extra_fingerprint(extra: Any) -> str | None:
    """The SHA-256 (hex) of ``extra``'s canonical JSON; ``None`` for ``None``.

    ``None`` stays NULL so that, as in 1.5.3, rows without ``extra`` never conflict; so does
    data JSON cannot encode (saving it fails in the JSON field with its own error).
    """
    if extra is None:
        return None
    try:
        text = canonical_json(extra)
    except (TypeError, ValueError, RecursionError):
        return None
    return hashlib.sha256(text.encode()).hexdigest()
