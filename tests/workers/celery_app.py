"""The Celery app of the worker tests and the latency benchmark (``celery -A`` this module).

Configured from the Django settings' ``CELERY_*`` keys, as a project would; it loads the
package's tasks from ``django_notification_system.workers.celery``. When the worker is
ready it creates the file named by ``DNS_CELERY_READY_FILE``, so tests wait on a fact.
"""

import os
from pathlib import Path

from celery import Celery
from celery.signals import worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")

app = Celery("dns_tests")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.conf.imports = ("django_notification_system.workers.celery",)


@worker_ready.connect
def announce_ready(**kwargs) -> None:
    ready_file = os.environ.get("DNS_CELERY_READY_FILE")
    if ready_file:
        Path(ready_file).touch()
