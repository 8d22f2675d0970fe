"""The demo's inbox page: a bell with the unread count and the list, all through the JSON API."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from django_notification_system.notification_creators import webpush
from django_notification_system.preferences import categories


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    """The page itself is static; its script reads and changes the inbox over the API.

    The declared categories fill the page's category filter; with Web Push configured, the
    VAPID public key lets the page subscribe this browser.
    """
    context = {"categories": categories().values(), "vapid_public_key": public_key_or_none()}
    return render(request, "example/inbox.html", context)


def public_key_or_none() -> str | None:
    """The VAPID application server key, or ``None`` when Web Push is not set up."""
    try:
        return webpush.vapid_public_key()
    except (ImproperlyConfigured, ImportError):
        return None


def service_worker(request: HttpRequest) -> HttpResponse:
    """The service worker that shows pushes and opens their ``url`` on click."""
    response = HttpResponse(
        render_to_string("example/service-worker.js"), content_type="text/javascript"
    )
    response["Service-Worker-Allowed"] = "/"
    response["Cache-Control"] = "no-cache"
    return response
