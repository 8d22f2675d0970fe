"""The demo's inbox page: a bell with the unread count and the list, all through the JSON API."""

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from django_notification_system.preferences import categories


@login_required
def inbox_page(request: HttpRequest) -> HttpResponse:
    """The page itself is static; its script reads and changes the inbox over the API.

    The declared categories fill the page's category filter.
    """
    return render(request, "example/inbox.html", {"categories": categories().values()})
