"""Deliver due notifications (minimal email-only version; replaced by the dispatcher)."""

from django.core.management.base import BaseCommand
from django.db.models import Q
from django.utils import timezone

from ...models import Notification
from ...notification_handlers import email
from ...notification_handlers.base import Delivered


class Command(BaseCommand):
    help = "Deliver every SCHEDULED or RETRY notification whose scheduled_delivery has passed."

    def handle(self, *args, **options) -> None:
        now = timezone.now()
        due = list(
            Notification.objects.filter(
                Q(status=Notification.SCHEDULED) | Q(status=Notification.RETRY),
                scheduled_delivery__lte=now,
                target_user_record__target__notification_module_name="email",
                target_user_record__active=True,
            )
            .exclude(target_user_record__user__notification_opt_out__active=True)
            .select_related("target_user_record")
        )
        outcomes = email.send_batch(due) if due else []
        delivered = [n.pk for n, o in zip(due, outcomes, strict=True) if isinstance(o, Delivered)]
        failed = [n.pk for n, o in zip(due, outcomes, strict=True) if not isinstance(o, Delivered)]
        Notification.objects.filter(pk__in=delivered).update(
            status=Notification.DELIVERED, attempted_delivery=now, modified_date=now
        )
        Notification.objects.filter(pk__in=failed).update(
            status=Notification.RETRY, attempted_delivery=now, modified_date=now
        )
        self.stdout.write(f"delivered: {len(delivered)}, retry: {len(failed)}")
