"""Deprecated: the admin helpers 1.5.3 shipped in ``utils.admin_site_utils``.

Kept so that project admin modules importing them keep working; importing this module
emits a ``DeprecationWarning``. They are plain Django admin code: copy what you use.
"""

from __future__ import annotations

import warnings

from django.contrib import admin
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

warnings.warn(
    "django_notification_system.utils.admin_site_utils is deprecated (kept for 1.5.3 code); "
    "copy the helpers you use into your project.",
    DeprecationWarning,
    stacklevel=2,
)

#: Search fields that reach a model's ``user`` foreign key.
USER_SEARCH_FIELDS = ("user__username", "user__first_name", "user__last_name", "user__email")


class EditLinkToInlineObject:
    """Mixin for an inline: add ``"edit_link"`` to ``readonly_fields`` to link each row's
    own change page."""

    def edit_link(self, instance: Model) -> str:
        if not instance.pk:
            return ""
        meta = instance._meta
        url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[instance.pk])
        return format_html('<a href="{}" target="_blank">edit</a>', url)


class MeOrAllFilter(admin.SimpleListFilter):
    """List filter for models with a ``user`` field: the current user's rows, or all."""

    title = "User"
    parameter_name = "just_me"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("true", "Just Me")]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "true":
            return queryset.filter(user=request.user)
        return queryset


def is_null_filter_factory(field: str) -> type[admin.SimpleListFilter]:
    """A list filter class: rows where ``field`` is null, or where it is not."""

    class IsNullFilter(admin.SimpleListFilter):
        title = f"{field} is null"
        parameter_name = f"{field}__isnull"

        def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
            return [("null", "Is Null"), ("not_null", "Is not Null")]

        def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
            if self.value() == "null":
                return queryset.filter(**{f"{field}__isnull": True})
            if self.value() == "not_null":
                return queryset.filter(**{f"{field}__isnull": False})
            return queryset

    return IsNullFilter
