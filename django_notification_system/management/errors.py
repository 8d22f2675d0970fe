"""Expected failures of the management commands, turned into one line and a non-zero exit.

A database that cannot be reached is an operator's problem, not a bug: the commands say
which database (host, port, name; never the password) in a ``CommandError``, which Django
prints as one line on stderr, with the traceback only under ``--traceback``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from django.core.management.base import CommandError

from ..dispatch.outage import CONNECTION_ERRORS, describe_database, error_summary


@contextlib.contextmanager
def database_errors_reported() -> Iterator[None]:
    """Re-raise a lost or refused database connection as a one-line ``CommandError``."""
    try:
        yield
    except CONNECTION_ERRORS as exc:
        raise CommandError(
            f"cannot reach the {describe_database()}: {error_summary(exc)}"
        ) from exc
