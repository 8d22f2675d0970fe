"""Test settings plus django-crontab and the demo's cron jobs.

The crontab executable is a stand-in (``tests/ops/fake_crontab.py``) that keeps the
crontab in the file named by ``$FAKE_CRONTAB_FILE``.
"""

import shlex
import sys

from demo.settings import CRONJOBS, CRONTAB_LOCK_JOBS  # noqa: F401  (what the demo ships)
from tests.settings import *  # noqa: F403
from tests.settings import INSTALLED_APPS, ROOT

INSTALLED_APPS = [*INSTALLED_APPS, "django_crontab"]

CRONTAB_COMMENT = "django-notification-system tests"
CRONTAB_DJANGO_MANAGE_PATH = str(ROOT / "manage.py")
CRONTAB_DJANGO_SETTINGS_MODULE = "tests.cron_settings"
CRONTAB_EXECUTABLE = shlex.join([sys.executable, str(ROOT / "tests" / "ops" / "fake_crontab.py")])
