"""anymail's webhook URLs, guarded so that no request can make them answer 500.

Use instead of ``include("anymail.urls")``; the paths and names are anymail's own:

    path("anymail/", include("django_notification_system.tracking.anymail_urls"))

Authentication is unchanged: anymail checks ``ANYMAIL["WEBHOOK_SECRET"]`` (and the
ESP's signature where it has one) before parsing anything; a failed check is a 400
(``SuspiciousOperation``). Around that, the guard answers:

* 404 for the endpoint of an ESP that is not configured (anymail raises
  ``ImproperlyConfigured`` for a missing signing key or package), logged by name;
* 400 for a text body holding a NUL byte (raw or as a JSON ``\\u0000`` escape: no ESP sends
  one, and PostgreSQL cannot store it), and for a body the ESP's parser cannot read (wrong
  encoding, not the ESP's format), logged as the exception's type and redacted reason.

A database outage still propagates (the ESP will retry); nothing is written for a refused
request.
"""

from __future__ import annotations

import functools
import logging

from anymail import urls as anymail_urls
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation
from django.db import DatabaseError, DataError
from django.http import HttpResponseBadRequest, HttpResponseNotFound
from django.urls import URLPattern

from ..notification_handlers.errors import log_failure, redacted_reason
from .webhook_input import has_nul_byte

logger = logging.getLogger(__name__)


def guard(view):
    """Wrap an anymail webhook view: malformed input is a 400, an unconfigured ESP a 404."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if has_nul_byte(request):
            logger.warning("webhook body with a NUL byte refused")
            return HttpResponseBadRequest("Malformed webhook body.", content_type="text/plain")
        try:
            return view(request, *args, **kwargs)
        except SuspiciousOperation:
            raise  # authentication failed: Django answers 400
        except ImproperlyConfigured as exc:
            logger.error(
                "anymail webhook %s is not configured: %s",
                request.path[:200],
                redacted_reason(exc),
            )
            return HttpResponseNotFound("Webhook not configured.", content_type="text/plain")
        except DataError:
            # The database refused a value from the body (a NUL byte in a PostgreSQL string).
            logger.warning("malformed webhook body refused by the database")
            return HttpResponseBadRequest("Malformed webhook body.", content_type="text/plain")
        except DatabaseError:
            raise  # an outage, not bad input: a 5xx makes the ESP retry
        except Exception as exc:
            log_failure(logger, "malformed webhook body refused", exc=exc)
            return HttpResponseBadRequest("Malformed webhook body.", content_type="text/plain")

    return guarded


urlpatterns = [
    URLPattern(p.pattern, guard(p.callback), p.default_args, p.name)
    for p in anymail_urls.urlpatterns
]
