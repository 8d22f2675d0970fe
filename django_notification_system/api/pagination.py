"""Cursor pagination of the inbox: stable while new items arrive, and no ``COUNT`` query."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class InboxCursorPagination(CursorPagination):
    """Newest first; ``?page_size=`` up to 100 (20 by default)."""

    ordering = ("-scheduled_delivery", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100
