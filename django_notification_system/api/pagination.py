"""Cursor pagination of the inbox: stable while new items arrive, and no ``COUNT`` query."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import connections, models
from rest_framework.exceptions import NotFound
from rest_framework.pagination import Cursor, CursorPagination


class InboxCursorPagination(CursorPagination):
    """Newest first; ``?page_size=`` up to 100 (20 by default).

    A cursor whose position does not parse as a value of the ordering field (a crafted
    cursor: junk, wrong type, an out-of-range or naive date) is answered like every other
    invalid cursor: DRF's ``404 Invalid cursor``. One answer for every bad cursor, whatever
    part of it is wrong, so clients need a single rule and the response says nothing about
    how far the cursor got; before, such a position reached the query and raised a 500.
    """

    ordering = ("-scheduled_delivery", "-id")
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100

    def paginate_queryset(self, queryset, request, view=None) -> list | None:
        self.model, self.db = queryset.model, queryset.db
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request) -> Cursor | None:
        """DRF's decoding, then the position checked against the ordering field."""
        cursor = super().decode_cursor(request)
        position = None if cursor is None else cursor.position
        if position is not None and not self.position_is_valid(position):
            raise NotFound(self.invalid_cursor_message)
        return cursor

    def position_is_valid(self, position: str) -> bool:
        """True when ``position`` converts to a value the ordering field can filter on."""
        try:
            field = self.model._meta.get_field(self.ordering[0].lstrip("-"))
        except (AttributeError, FieldDoesNotExist):
            return True  # not a model field: nothing to check it against
        try:
            value = field.to_python(position)
            if value is None:
                return False
            if isinstance(field, models.DateTimeField):
                if value.tzinfo is None:
                    return False  # DRF writes aware datetimes: a naive one is made up
                value.astimezone(dt.timezone.utc)  # past year 9999 in UTC: on every database
            field.get_db_prep_value(value, connections[self.db])  # e.g. a date past year 9999
        except (ValidationError, ValueError, TypeError, OverflowError):
            return False
        return True
