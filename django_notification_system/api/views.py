"""The inbox endpoints. Each reads or changes the requesting user's inbox only: the
querysets are scoped to ``request.user``, so another user's id is a 404. State changes
are POST only; DRF's session authentication enforces CSRF on them.
"""

from __future__ import annotations

import hashlib
import uuid

from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import parse_etags, quote_etag
from rest_framework import generics, status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.schemas.openapi import AutoSchema

from .. import inbox
from ..preferences import get_category
from .pagination import InboxCursorPagination
from .serializers import (
    ChangedSerializer,
    CountsSerializer,
    InboxItemSerializer,
    MarkAllReadSerializer,
    MarkSeenSerializer,
)

TRUE_VALUES = ("1", "true", "yes")
#: The columns an inbox page reads.
LISTED_FIELDS = (
    "id",
    "title",
    "body",
    "category",
    "url",
    "scheduled_delivery",
    "read_at",
    "seen_at",
    "group_count",
    "actors",
)


class InboxView(generics.ListAPIView):
    """``GET inbox/``: the user's inbox, newest first, cursor-paginated.

    ``?unread=true`` lists unread items only; ``?category=<key>`` one category's (an
    unknown key is a 400 naming the known ones). One query per page, whatever its size.
    """

    permission_classes = [IsAuthenticated]
    serializer_class = InboxItemSerializer
    pagination_class = InboxCursorPagination
    schema = AutoSchema(operation_id_base="InboxItem", tags=["inbox"])

    def get_queryset(self):
        notifications = inbox.inbox(self.request.user).only(*LISTED_FIELDS)
        if self.request.query_params.get("unread", "").lower() in TRUE_VALUES:
            notifications = notifications.filter(read_at__isnull=True)
        category = self.request.query_params.get("category")
        if category:
            notifications = notifications.filter(category=checked_category(category))
        return notifications


def checked_category(key: str) -> str:
    """A declared category key; a 400 naming the known ones otherwise."""
    try:
        return get_category(key).key
    except ValueError as exc:
        raise ValidationError({"category": [str(exc)]}) from None


def counts_etag(user, counts: dict) -> str:
    """A per-user entity tag for the counts: equal counts of two users never share one."""
    digest = hashlib.sha256(f"{user.pk}:{counts['unread']}:{counts['unseen']}".encode())
    return quote_etag(digest.hexdigest()[:20])


def _opaque(etag: str) -> str:
    """The tag without its weakness indicator, for weak comparison (RFC 9110 8.8.3.2)."""
    return etag.removeprefix("W/")


class CountsView(generics.GenericAPIView):
    """``GET inbox/counts/``: ``{"unread": n, "unseen": m}`` with an ETag.

    A request whose ``If-None-Match`` holds the current tag gets ``304 Not Modified``, so a
    polling badge transfers nothing while nothing changed. Both counts come from one query.
    Tags are compared weakly, as RFC 9110 has ``If-None-Match`` do: ``W/"…"`` matches
    ``"…"`` (Django's GZipMiddleware and many proxies weaken the tag they pass on).
    """

    permission_classes = [IsAuthenticated]
    serializer_class = CountsSerializer
    pagination_class = None
    schema = AutoSchema(operation_id_base="InboxCounts", tags=["inbox"])

    def get(self, request: Request) -> Response:
        counts = inbox.counts(request.user)
        etag = counts_etag(request.user, counts)
        offered = parse_etags(request.headers.get("If-None-Match", ""))
        if "*" in offered or _opaque(etag) in {_opaque(tag) for tag in offered}:
            response = Response(status=status.HTTP_304_NOT_MODIFIED)
        else:
            response = Response(CountsSerializer(counts).data)
        response["ETag"] = etag
        response["Cache-Control"] = "private, no-cache"
        return response


class NotificationStateView(generics.GenericAPIView):
    """``POST inbox/<id>/<change>/``: one notification of the user; another's id is a 404.

    ``updated`` counts the notifications changed: reading a group's item also reads those
    folded into it.
    """

    permission_classes = [IsAuthenticated]
    serializer_class = ChangedSerializer
    pagination_class = None
    #: The ``inbox`` function applying the change, set per URL.
    change = None

    def post(self, request: Request, pk: uuid.UUID) -> Response:
        updated = type(self).change(request.user, [pk])
        if not updated:
            raise NotFound()
        return Response({"updated": updated})


class MarkReadView(NotificationStateView):
    """``POST inbox/<id>/read/``: mark one item read (and seen)."""

    change = staticmethod(inbox.mark_read)
    schema = AutoSchema(operation_id_base="InboxItemRead", tags=["inbox"])


class MarkUnreadView(NotificationStateView):
    """``POST inbox/<id>/unread/``: mark one item unread again."""

    change = staticmethod(inbox.mark_unread)
    schema = AutoSchema(operation_id_base="InboxItemUnread", tags=["inbox"])


class ArchiveView(NotificationStateView):
    """``POST inbox/<id>/archive/``: take one item out of the inbox."""

    change = staticmethod(inbox.archive)
    schema = AutoSchema(operation_id_base="InboxItemArchive", tags=["inbox"])


def parse_before(value: str | None):
    """``before`` as a notification id (UUID) or an aware date-time; 400 otherwise."""
    if value is None:
        return None
    try:
        return uuid.UUID(value)
    except ValueError:
        pass
    try:
        moment = parse_datetime(value)
    except ValueError:
        moment = None
    if moment is None:
        raise ValidationError(
            {"before": ["Give a notification id or an ISO 8601 date-time (2026-01-31T12:00Z)."]}
        )
    if settings.USE_TZ and timezone.is_naive(moment):
        moment = timezone.make_aware(moment, timezone.get_default_timezone())
    return moment


class MarkAllReadView(generics.GenericAPIView):
    """``POST inbox/mark-all-read/``: every unread item, or those up to ``before``, or of
    ``category``."""

    permission_classes = [IsAuthenticated]
    serializer_class = MarkAllReadSerializer
    pagination_class = None
    schema = AutoSchema(operation_id_base="InboxMarkAllRead", tags=["inbox"])

    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        before = parse_before(serializer.validated_data.get("before"))
        category = serializer.validated_data.get("category")
        category = checked_category(category) if category else None
        updated = inbox.mark_all_read(request.user, before=before, category=category)
        return Response({"updated": updated})


class MarkSeenView(generics.GenericAPIView):
    """``POST inbox/mark-seen/``: the given ``ids``, or every unseen item (opening a panel)."""

    permission_classes = [IsAuthenticated]
    serializer_class = MarkSeenSerializer
    pagination_class = None
    schema = AutoSchema(operation_id_base="InboxMarkSeen", tags=["inbox"])

    def post(self, request: Request) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        ids = serializer.validated_data.get("ids")
        return Response({"updated": inbox.mark_seen(request.user, ids)})
