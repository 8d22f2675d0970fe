"""The closest known name for a typo, in the one wording every settings message uses."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: str, candidates: Iterable[str]) -> str | None:
    """The candidate nearest to ``word`` (difflib ratio at least 0.6), or ``None``."""
    close = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return close[0] if close else None


def did_you_mean(word: str, candidates: Iterable[str], *, sentence: bool = False) -> str:
    """``" (did you mean 'x'?)"`` for the closest candidate, or ``""`` when none is close.

    ``sentence=True`` gives ``" Did you mean 'x'?"``, for messages made of sentences.
    """
    found = closest(word, candidates)
    if found is None:
        return ""
    return f" Did you mean {found!r}?" if sentence else f" (did you mean {found!r}?)"
