"""anymail's webhook URLs, guarded so a malformed body is a 400, never a 500.

Use instead of ``include("anymail.urls")``; the paths and names are anymail's own:

    path("anymail/", include("django_notification_system.tracking.anymail_urls"))

Authentication is unchanged: anymail checks ``ANYMAIL["WEBHOOK_SECRET"]`` (and the
ESP's signature where it has one) before parsing anything.
"""

from __future__ import annotations

import functools
import logging

from anymail import urls as anymail_urls
from django.http import HttpResponseBadRequest
from django.urls import URLPattern

logger = logging.getLogger(__name__)

#: What anymail's parsers raise on a body that is not the ESP's format.
MALFORMED_BODY_ERRORS = (ValueError, KeyError, TypeError, AttributeError, IndexError)


def guard(view):
    """Wrap an anymail webhook view: a parse error on a bad body becomes a logged 400."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except MALFORMED_BODY_ERRORS as exc:
            logger.warning("malformed webhook body refused: %s", type(exc).__name__)
            return HttpResponseBadRequest("Malformed webhook body.", content_type="text/plain")

    return guarded


urlpatterns = [
    URLPattern(p.pattern, guard(p.callback), p.default_args, p.name)
    for p in anymail_urls.urlpatterns
]
