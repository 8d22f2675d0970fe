"""The preferences page (login required) and the one-click unsubscribe endpoint (no login).

Both render templates under ``django_notification_system/`` that a project overrides the
Django way: a template of the same path earlier in its ``TEMPLATES`` dirs or apps.
"""

from __future__ import annotations

import logging

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from ..quiet_hours.forms import QuietHoursForm
from .api import preferences_for, set_preference
from .categories import categories
from .forms import PreferencesForm
from .unsubscribe import read_token

logger = logging.getLogger(__name__)

PREFERENCES_TEMPLATE = "django_notification_system/preferences.html"
UNSUBSCRIBE_TEMPLATE = "django_notification_system/unsubscribe.html"
UNSUBSCRIBED_TEMPLATE = "django_notification_system/unsubscribed.html"
INVALID_TEMPLATE = "django_notification_system/unsubscribe_invalid.html"


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def preferences_page(request: HttpRequest) -> HttpResponse:
    """The user's category-by-channel matrix, time zone and quiet hours as one form; POST
    saves both parts (nothing unless both are valid) and redirects."""
    matrix = preferences_for(request.user)
    data = request.POST if request.method == "POST" else None
    form = PreferencesForm(matrix, data=data)
    # A template without the quiet-hours fields (a project's own) leaves them as they are.
    quiet_posted = data is not None and any(key.startswith("quiet-") for key in data)
    quiet_form = QuietHoursForm(request.user, data=data if quiet_posted else None)
    quiet_ok = not quiet_posted or quiet_form.is_valid()
    if request.method == "POST" and form.is_valid() and quiet_ok:
        changed = form.save(request.user)
        if quiet_posted and quiet_form.has_changed():
            quiet_form.save()
        messages.success(request, f"Your notification preferences were saved ({changed} changed).")
        return redirect(request.path)
    context = {"form": form, "matrix": matrix, "quiet_form": quiet_form}
    return render(request, PREFERENCES_TEMPLATE, context)


def _invalid(request: HttpRequest, status: int) -> HttpResponse:
    return render(request, INVALID_TEMPLATE, status=status)


#: Primary keys beyond a 64-bit integer match no row (and SQLite cannot bind them).
PK_RANGE = range(-(2**63), 2**63)


def _user_named(user_pk: str):
    """The user whose pk is ``user_pk``, or ``None``: also for a pk that is not one of the
    user model's (a non-numeric id, a number out of range) instead of a 500 from the query,
    and for one not written as ``make_token`` writes it (``str(pk)``: no ``"007"``, no
    non-ASCII digits)."""
    User = get_user_model()
    try:
        pk = User._meta.pk.to_python(user_pk)
    except (ValidationError, ValueError, TypeError):
        return None
    if pk is None or str(pk) != user_pk or (isinstance(pk, int) and pk not in PK_RANGE):
        return None
    if isinstance(pk, str) and "\x00" in pk:
        return None  # PostgreSQL refuses NUL in text
    return User._default_manager.filter(pk=pk).first()


@csrf_exempt  # RFC 8058: mail providers POST without a session; the signed token is the proof
@never_cache
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET: a confirmation page with a button, nothing changed. POST: turn the token's
    (category, channel) off for its user and answer 200. A tampered or foreign token is a
    400, and so is a signed token of the wrong shape; a user or category that no longer
    exists (or a user id no user can have), or one that cannot be turned off, a 404."""
    try:
        wanted = read_token(token)
    except signing.BadSignature:
        logger.warning("unsubscribe: a token with a bad signature was refused")
        return _invalid(request, 400)
    category = categories().get(wanted.category)
    user = _user_named(wanted.user_pk)
    if category is None or user is None or category.is_locked(wanted.channel):
        return _invalid(request, 404)
    context = {"category": category, "channel": wanted.channel}
    if request.method == "GET":
        return render(request, UNSUBSCRIBE_TEMPLATE, context)
    try:
        set_preference(user, category=category.key, channel=wanted.channel, enabled=False)
    except ValueError:  # the channel is no longer one of the site's
        return _invalid(request, 404)
    logger.info("unsubscribe: user %s turned off %s/%s", user.pk, category.key, wanted.channel)
    return render(request, UNSUBSCRIBED_TEMPLATE, context)
