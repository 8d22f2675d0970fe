"""Rules for ``Notification.extra``: how deep and how large it may be, and its fingerprint.

The de-duplication rule (one pending notification per record, delivery time, title and
``extra``) compares ``extra`` through a SHA-256 fingerprint of its canonical JSON rather
than the JSON itself: a database index on the JSON would refuse a large ``extra`` (a
PostgreSQL btree entry holds about 2.7 KB).
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

#: Deepest nesting of dicts and lists ``extra`` may have (``{"a": {"b": 1}}`` is depth 2).
MAX_EXTRA_DEPTH = 32
#: Largest ``extra`` in bytes, serialised as compact UTF-8 JSON.
MAX_EXTRA_BYTES = 8 * 1024


#: Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: Python's
#: email package breaks a header at any of them, so none may reach a header or a subject.
CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
#: An RFC 5322 field name: printable ASCII (33-126) except the colon.
FIELD_NAME = re.compile("[!-9;-~]+")


def first_control_character(text: str) -> str | None:
    """``"U+000B at position 3"`` for the first control character of ``text``, else None."""
    found = CONTROL_CHARACTER.search(text)
    if found is None:
        return None
    return f"U+{ord(found.group()):04X} at position {found.start()}"


def check_headers(extra: Any) -> None:
    """Raise ``ValueError`` unless ``extra["headers"]`` maps RFC 5322 field names to values
    without control characters: a line break in either would inject headers (``Bcc:``).

    The message names the header (an invalid name by its valid start) but never echoes a
    value.
    """
    headers = extra.get("headers") if isinstance(extra, dict) else None
    if headers is None:
        return
    if not isinstance(headers, dict):
        raise ValueError("extra['headers'] must be a dict of header names to values.")
    for name, value in headers.items():
        if not isinstance(name, str) or not FIELD_NAME.fullmatch(name):
            raise ValueError(f"extra['headers'] has an invalid header name {_bad_name(name)}.")
        shown = repr(name)[:60]
        if not isinstance(value, (str, int, float)):
            raise ValueError(
                f"extra['headers'][{shown}] must be a string, not {type(value).__name__}."
            )
        where = first_control_character(str(value))
        if where is not None:
            raise ValueError(
                f"extra['headers'][{shown}] contains a control character ({where}); "
                "a header value is one line of printable text."
            )


def _bad_name(name: object) -> str:
    """An invalid header name, named by its valid start and its first bad character only
    (what follows may be an injected ``Bcc:`` line with someone's address)."""
    if not isinstance(name, str):
        return f"of type {type(name).__name__}"
    if not name:
        return "'' (empty)"
    start = FIELD_NAME.match(name)
    end = start.end() if start else 0
    return (
        f"{name[: min(end, 40)]!r}... (U+{ord(name[end]):04X} at position {end}): a name is "
        "printable ASCII without spaces or ':' (RFC 5322)"
    )


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
