"""Admin for every model: lists, filters, user search on the configured user model,
attempts inline on a notification, the "retry now" / "cancel" actions, and read-only
digest windows."""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.db.models import Case, Count, F, PositiveIntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from .dispatch.claim import RESEND_RESET
from .keys.cancellation import cancel_queryset
from .models import (
    DeliveryAttempt,
    DigestWindow,
    Notification,
    NotificationOptOut,
    NotificationPreference,
    NotificationTarget,
    NotificationUserSettings,
    TargetUserRecord,
)
from .preferences import ANY, categories, site_channels


def user_search_fields(prefix: str) -> tuple[str, ...]:
    """Search lookups for the configured user model's username and email fields."""
    user_model = get_user_model()
    names = {user_model.USERNAME_FIELD}
    email_field = user_model.get_email_field_name()
    if any(f.name == email_field for f in user_model._meta.get_fields()):
        names.add(email_field)
    return tuple(f"{prefix}{name}" for name in sorted(names))


class UserAutocompleteMixin:
    """Autocomplete for ``user`` when the user model's admin can serve it; raw id otherwise.

    Django's autocomplete needs the user admin registered with ``search_fields``;
    custom user models do not always have one, so this is decided at request time.
    """

    raw_id_fields = ("user",)

    def get_autocomplete_fields(self, request):
        user_admin = self.admin_site._registry.get(get_user_model())
        if user_admin is not None and user_admin.get_search_fields(request):
            return ("user",)
        return ()


@admin.register(NotificationTarget)
class NotificationTargetAdmin(admin.ModelAdmin):
    list_display = ("name", "notification_module_name", "modified_date")
    search_fields = ("name", "notification_module_name")


@admin.register(TargetUserRecord)
class TargetUserRecordAdmin(UserAutocompleteMixin, admin.ModelAdmin):
    list_display = ("user", "target", "target_user_id", "description", "active", "modified_date")
    list_filter = ("target", "active", "created_date", "modified_date")
    list_select_related = ("user", "target")
    list_per_page = 100
    search_fields = ("target_user_id", "description")

    def get_search_fields(self, request):
        return (*self.search_fields, *user_search_fields("user__"))


@admin.register(NotificationOptOut)
class NotificationOptOutAdmin(UserAutocompleteMixin, admin.ModelAdmin):
    list_display = ("user", "active", "modified_date")
    list_filter = ("active", "modified_date")
    list_select_related = ("user",)

    def get_search_fields(self, request):
        return user_search_fields("user__")


class ReadOnlyAdminMixin:
    """Staff may look, never add, edit or delete: rows only the dispatcher writes."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class RecordColumnsMixin:
    """``recipient`` and ``channel`` columns for a model with a ``target_user_record``."""

    @admin.display(description="recipient", ordering="target_user_record__user")
    def recipient(self, obj) -> str:
        return str(obj.target_user_record.user)

    @admin.display(description="channel", ordering="target_user_record__target__name")
    def channel(self, obj) -> str:
        return obj.target_user_record.target.name


class CategoryFilter(admin.SimpleListFilter):
    """Filter by category, offering the declared ones (no DISTINCT over a large table)."""

    title = "category"
    parameter_name = "category"
    #: Extra choices before the declared categories, e.g. the preference wildcard.
    extra_choices: tuple = ()

    def lookups(self, request, model_admin):
        return [*self.extra_choices, *((key, c.label) for key, c in categories().items())]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value is None else queryset.filter(category=value)


class NotificationCategoryFilter(CategoryFilter):
    extra_choices = (("", "(none)"),)


class PreferenceCategoryFilter(CategoryFilter):
    extra_choices = ((ANY, "* (every category)"),)


class PreferenceChannelFilter(admin.SimpleListFilter):
    """Filter by channel: the site's channels and the wildcard."""

    title = "channel"
    parameter_name = "channel"

    def lookups(self, request, model_admin):
        return [(ANY, "* (every channel)"), *((name, name) for name in site_channels())]

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value is None else queryset.filter(channel=value)


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(UserAutocompleteMixin, admin.ModelAdmin):
    """Users' preference rows (sparse: only where a user differs from the defaults).

    Rows are best changed through ``preferences.set_preference``, which keeps wildcards
    meaningful; the admin is for looking, filtering and support cases.
    """

    list_display = ("user", "category", "channel", "enabled", "frequency", "modified_date")
    list_filter = (PreferenceCategoryFilter, PreferenceChannelFilter, "enabled", "frequency")
    list_select_related = ("user",)
    list_per_page = 100
    show_full_result_count = False

    def get_search_fields(self, request):
        return user_search_fields("user__")


class DeliveryAttemptInline(admin.TabularInline):
    model = DeliveryAttempt
    extra = 0
    can_delete = False
    fields = ("attempted_at", "outcome", "error", "provider_message_id")
    readonly_fields = fields
    ordering = ("-attempted_at",)

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Notification)
class NotificationAdmin(RecordColumnsMixin, admin.ModelAdmin):
    list_display = (
        "title",
        "recipient",
        "channel",
        "category",
        "status",
        "scheduled_delivery",
        "attempted_delivery",
        "retry_attempts",
    )
    list_filter = (
        "status",
        ("target_user_record__target", admin.RelatedOnlyFieldListFilter),
        NotificationCategoryFilter,
        "scheduled_delivery",
        "attempted_delivery",
    )
    list_select_related = ("target_user_record__user", "target_user_record__target")
    list_per_page = 100
    show_full_result_count = False
    autocomplete_fields = ("target_user_record",)
    readonly_fields = (
        "claim_token",
        "lease_expires_at",
        "last_error",
        "provider_message_id",
        "provider_status",
        "provider_status_at",
        "idempotency_key",
        "cancel_key",
        "created_date",
        "modified_date",
    )
    inlines = (DeliveryAttemptInline,)
    actions = ("retry_now", "cancel")
    date_hierarchy = None

    def get_search_fields(self, request):
        return (
            "title",
            "provider_message_id",
            "=idempotency_key",
            "=cancel_key",
            *user_search_fields("target_user_record__user__"),
        )

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context=extra_context)
        # The summary counts what the current filters and search select (the ChangeList's
        # queryset), so it is added once the ChangeList exists, before rendering.
        context = getattr(response, "context_data", None)
        if context is not None and context.get("cl") is not None:
            context["status_summary"] = status_summary(context["cl"].queryset)
        return response

    @admin.action(
        description="Retry now (failed and retrying notifications)", permissions=["change"]
    )
    def retry_now(self, request, queryset) -> None:
        now = timezone.now()
        changed = queryset.filter(
            status__in=[Notification.DELIVERY_FAILURE, Notification.RETRY]
        ).update(
            status=Notification.RETRY,
            scheduled_delivery=now,
            attempted_delivery=Coalesce(F("attempted_delivery"), Value(now)),
            # A failed row gets a fresh set of attempts; a retrying row keeps its count.
            retry_attempts=Case(
                When(status=Notification.DELIVERY_FAILURE, then=Value(0)),
                default=F("retry_attempts"),
                output_field=PositiveIntegerField(),
            ),
            lease_expires_at=None,
            claim_token=None,
            modified_date=now,
            **RESEND_RESET,
        )
        self.message_user(request, f"{changed} notification(s) will be retried now.")

    @admin.action(
        description="Cancel (scheduled and retrying notifications)", permissions=["change"]
    )
    def cancel(self, request, queryset) -> None:
        changed = cancel_queryset(queryset, f"the admin (user {request.user.pk})")
        level = messages.SUCCESS if changed else messages.WARNING
        self.message_user(request, f"{changed} notification(s) cancelled.", level=level)


#: Column order of the changelist summary: pending first, held for a digest, then final states.
SUMMARY_STATUSES = (
    *Notification.PENDING_STATUSES,
    Notification.HELD,
    *Notification.FINAL_STATUSES,
)


def status_summary(queryset: QuerySet) -> dict:
    """Per-channel, per-status counts of ``queryset``, in one aggregate query.

    Returns ``{"statuses": [...], "rows": [{"channel", "target_id", "counts", "total"}],
    "totals": [...], "total": n}``; ``counts`` follow ``statuses``.
    """
    grouped = (
        queryset.order_by()
        .values("status", "target_user_record__target_id", "target_user_record__target__name")
        .annotate(n=Count("pk"))
    )
    channels: dict = {}
    for row in grouped:
        key = (row["target_user_record__target__name"], row["target_user_record__target_id"])
        channels.setdefault(key, dict.fromkeys(SUMMARY_STATUSES, 0))[row["status"]] = row["n"]
    rows = [
        {
            "channel": name,
            "target_id": target_id,
            "counts": [(status, counts[status]) for status in SUMMARY_STATUSES],
            "total": sum(counts.values()),
        }
        for (name, target_id), counts in sorted(channels.items(), key=lambda item: item[0][0])
    ]
    totals = [sum(r["counts"][i][1] for r in rows) for i in range(len(SUMMARY_STATUSES))]
    return {
        "statuses": [(s, dict(Notification.STATUS_CHOICES)[s]) for s in SUMMARY_STATUSES],
        "rows": rows,
        "totals": list(zip(SUMMARY_STATUSES, totals, strict=True)),
        "total": sum(totals),
    }


@admin.register(DeliveryAttempt)
class DeliveryAttemptAdmin(ReadOnlyAdminMixin, admin.ModelAdmin):
    list_display = ("notification", "attempted_at", "outcome", "provider_message_id")
    list_filter = ("outcome", "attempted_at")
    list_select_related = ("notification",)
    search_fields = ("provider_message_id", "notification__id")
    raw_id_fields = ("notification",)
    show_full_result_count = False
    # An append-only log written by the dispatcher (ReadOnlyAdminMixin).


@admin.register(NotificationUserSettings)
class NotificationUserSettingsAdmin(UserAutocompleteMixin, admin.ModelAdmin):
    list_display = ("user", "timezone", "quiet_hours_start", "quiet_hours_end", "modified_date")
    list_filter = ("timezone",)
    list_select_related = ("user",)
    fields = ("user", "timezone", "quiet_hours_start", "quiet_hours_end")

    def get_search_fields(self, request):
        return ("timezone", *user_search_fields("user__"))


@admin.register(DigestWindow)
class DigestWindowAdmin(ReadOnlyAdminMixin, RecordColumnsMixin, admin.ModelAdmin):
    """Where held notifications wait for their digest: one row per (address, category).

    Read-only: windows are written by the dispatcher's hold and flush steps only; deleting
    one would strand its held items. ``held`` counts the items waiting in it now.
    """

    list_display = (
        "recipient",
        "channel",
        "category",
        "frequency",
        "held",
        "last_flushed_at",
        "lease_expires_at",
    )
    list_filter = (
        CategoryFilter,
        "frequency",
        ("target_user_record__target", admin.RelatedOnlyFieldListFilter),
        "last_flushed_at",
    )
    list_select_related = ("target_user_record__user", "target_user_record__target")
    list_per_page = 100
    show_full_result_count = False
    readonly_fields = (
        "target_user_record",
        "category",
        "frequency",
        "claim_token",
        "lease_expires_at",
        "last_flushed_at",
        "created_date",
        "modified_date",
    )
    fields = readonly_fields

    def get_search_fields(self, request):
        return ("category", *user_search_fields("target_user_record__user__"))

    def get_queryset(self, request):
        waiting = Q(items__status=Notification.HELD, items__digest__isnull=True)
        return super().get_queryset(request).annotate(held_count=Count("items", filter=waiting))

    @admin.display(description="held", ordering="held_count")
    def held(self, obj: DigestWindow) -> int:
        return obj.held_count
