"""Fixtures for the worker tests: real Celery worker processes over the local Redis, the
task framework's database worker, and child environments that reach the test database.

Redis (``DNS_REDIS_URL``, default 127.0.0.1:6379), Celery and django-tasks-db are
required when ``CI=true``: missing, the tests fail; elsewhere they are skipped with the
reason.
"""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.test import override_settings

from django_notification_system.workers import enqueue
from tests.conftest import IN_CI

SUBJECT = re.compile(r"^Subject: (.+)$", re.M)


def unavailable(reason: str) -> None:
    """Fail in CI (a missing service must not pass as a skip), skip elsewhere."""
    if IN_CI:
        pytest.fail(f"{reason}; CI=true requires it", pytrace=False)
    pytest.skip(reason)


def redis_client():
    try:
        import redis
    except ImportError:
        unavailable("the redis package is not installed (pip install -e '.[all,dev]')")
    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        unavailable(f"Redis unreachable at {settings.REDIS_URL} ({type(exc).__name__})")
    return client


@pytest.fixture
def fresh_coalescer(monkeypatch):
    """A coalescer with no history, so the first enqueue of a test is sent at once."""
    coalescer = enqueue.Coalescer()
    monkeypatch.setattr(enqueue, "coalescer", coalescer)
    yield coalescer
    coalescer.flush_all()


@pytest.fixture
def child_env(subprocess_env, tmp_path) -> dict[str, str]:
    """Environment of worker processes: the test database, emails written to files."""
    env = dict(subprocess_env)
    env.update(
        DNS_EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        DNS_EMAIL_FILE_PATH=str(tmp_path / "mail"),
    )
    return env


def sent_subjects(env) -> Counter:
    """Every message the file-based backend wrote, by subject."""
    subjects: Counter = Counter()
    for path in Path(env["DNS_EMAIL_FILE_PATH"]).glob("*.log"):
        subjects.update(SUBJECT.findall(path.read_text()))
    return subjects


def wait_until(condition, timeout: float = 120, what: str = "condition", processes=()) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"child exited early: {process.communicate()}")
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not reached within {timeout} s")
        time.sleep(0.05)


# --- Celery -------------------------------------------------------------------------------


@dataclass
class CeleryQueue:
    """The test Celery app, its Redis queue, and how many messages wait in it."""

    app: object
    redis: object
    name: str

    def waiting(self) -> int:
        return self.redis.llen(self.name)


@pytest.fixture(scope="session")
def celery_session_queue():
    """One queue per test session (Celery caches its routing, so it is set once)."""
    if importlib.util.find_spec("celery") is None:
        unavailable("Celery is not installed (pip install -e '.[all,dev]')")
    client = redis_client()
    from tests.workers.celery_app import app

    name = f"dns-tests-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    app.conf.task_default_queue = name
    yield CeleryQueue(app, client, name)
    client.delete(name)


@pytest.fixture
def celery_queue(celery_session_queue, transactional_db):
    """The session's queue, empty at the start and the end of the test."""
    celery_session_queue.redis.delete(celery_session_queue.name)
    yield celery_session_queue
    celery_session_queue.redis.delete(celery_session_queue.name)


@pytest.fixture
def celery_env(child_env, celery_queue) -> dict[str, str]:
    env = dict(child_env)
    env["DNS_CELERY_QUEUE"] = celery_queue.name
    return env


class CeleryWorkers:
    """Real ``celery worker`` processes (solo pool, one task at a time each)."""

    def __init__(self, env: dict[str, str], tmp_path: Path) -> None:
        self.env = env
        self.tmp_path = tmp_path
        self.processes: list[subprocess.Popen] = []

    def start(self, count: int = 1) -> None:
        ready_files = []
        for _ in range(count):
            name = f"w{len(self.processes)}-{uuid.uuid4().hex[:6]}"
            ready = self.tmp_path / f"{name}.ready"
            env = dict(self.env, DNS_CELERY_READY_FILE=str(ready))
            command = [sys.executable, "-m", "celery", "-A", "tests.workers.celery_app"]
            command += ["worker", "--pool=solo", "-Q", env["DNS_CELERY_QUEUE"], "-n", name]
            command += ["--without-gossip", "--without-mingle", "--without-heartbeat"]
            command += ["--loglevel=WARNING"]
            log = open(self.tmp_path / f"{name}.log", "w")  # noqa: SIM115 closed with the process
            self.processes.append(
                subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
            )
            ready_files.append(ready)
        wait_until(
            lambda: all(path.exists() for path in ready_files),
            what="celery workers ready",
            processes=self.processes,
        )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def logs(self) -> str:
        return "\n".join(p.read_text() for p in sorted(self.tmp_path.glob("w*.log")))


@pytest.fixture
def celery_workers(celery_env, tmp_path):
    workers = CeleryWorkers(celery_env, tmp_path)
    yield workers
    workers.stop()


@pytest.fixture
def enqueue_on_create():
    """``enqueue_on_create("celery")`` turns the setting on for the rest of the test."""
    overrides = []

    def turn_on(backend: str) -> None:
        override = override_settings(
            NOTIFICATION_SYSTEM_ENQUEUE_ON_CREATE=backend,
            NOTIFICATION_SYSTEM_ENQUEUE_COALESCE_SECONDS=0,
        )
        override.enable()
        overrides.append(override)

    yield turn_on
    for override in reversed(overrides):
        override.disable()


# --- the task framework's database backend ------------------------------------------------


@pytest.fixture
def db_task_backend():
    """The database backend's model, or a skip (a failure in CI) naming what is missing."""
    if importlib.util.find_spec("django_tasks_db") is None:
        unavailable("django-tasks-db is not installed (pip install -e '.[all,dev]')")
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult


def run_db_worker(env: dict[str, str], manage_py: list[str]) -> subprocess.CompletedProcess:
    """The task framework's real ``db_worker`` process: run every waiting task, then exit."""
    return subprocess.run(
        [*manage_py, "db_worker", "--batch", "--no-startup-delay", "--no-reload"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
