"""Shared fixtures: which database runs (visible in every test id), PostgreSQL reachability,
factories, and the environment child processes need to reach the test database."""

from __future__ import annotations

import os
import sys

import pytest
from django.conf import settings

from tests.settings import DB_VENDOR, ROOT

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def pytest_generate_tests(metafunc):
    # Every test id ends with the database it ran on, e.g. test_x[postgresql].
    if "db_vendor" in metafunc.fixturenames:
        metafunc.parametrize("db_vendor", [DB_VENDOR], indirect=True, ids=[DB_VENDOR])


@pytest.fixture(autouse=True)
def db_vendor(request) -> str:
    """The database vendor this run uses: ``sqlite`` or ``postgresql``.

    ``unittest``-style classes (``django.test.TestCase``) are not parametrized: they get it
    without the id suffix.
    """
    return getattr(request, "param", DB_VENDOR)


def _postgres_unreachable() -> str | None:
    import psycopg

    db = settings.DATABASES["default"]
    try:
        psycopg.connect(
            dbname=db["NAME"],
            user=db["USER"],
            password=db["PASSWORD"],
            host=db["HOST"],
            port=db["PORT"],
            connect_timeout=5,
        ).close()
    except psycopg.Error as exc:
        return f"PostgreSQL unreachable at {db['HOST']}:{db['PORT']} ({type(exc).__name__})"
    return None


def pytest_collection_modifyitems(config, items):
    if DB_VENDOR != "postgresql":
        return
    problem = _postgres_unreachable()
    if problem is None:
        return
    if IN_CI:
        pytest.exit(f"{problem}; CI=true requires PostgreSQL", returncode=3)
    marker = pytest.mark.skip(reason=f"{problem}; set DATABASE_URL or start PostgreSQL")
    for item in items:
        item.add_marker(marker)


def pytest_report_header(config):
    return f"django-notification-system tests on database: {DB_VENDOR}"


@pytest.fixture
def subprocess_env(transactional_db) -> dict[str, str]:
    """Environment for a child ``python`` that must see this test's (committed) database."""
    from django.db import connection

    env = dict(os.environ)
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DNS_TEST_DB=DB_VENDOR,
        DNS_DB_NAME=str(connection.settings_dict["NAME"]),
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]),
    )
    return env


@pytest.fixture
def manage_py() -> list[str]:
    """The argv prefix that runs ``manage.py`` with the test settings in a child process."""
    return [sys.executable, str(ROOT / "manage.py")]
