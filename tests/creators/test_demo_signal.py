"""The demo's signal pattern: saving a Reminder schedules an email through a creator."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from demo.example.models import Reminder
from django_notification_system.models import Notification, NotificationOptOut
from tests import factories

pytestmark = pytest.mark.django_db


def test_post_save_schedules_the_reminder_after_commit(django_capture_on_commit_callbacks):
    record = factories.record()
    when = timezone.now() + timedelta(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        reminder = Reminder.objects.create(
            user=record.user, text="water the plants", remind_at=when
        )
        assert not Notification.objects.exists()  # nothing before the commit
    notification = Notification.objects.get()
    assert notification.target_user_record == record
    assert notification.title == "Reminder: water the plants"
    assert notification.scheduled_delivery == when

    with django_capture_on_commit_callbacks(execute=True):
        reminder.text = "edited"
        reminder.save()
    assert Notification.objects.count() == 1  # only a new Reminder schedules


def test_a_rolled_back_reminder_schedules_nothing(django_capture_on_commit_callbacks):
    record = factories.record()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                Reminder.objects.create(user=record.user, text="never")
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not Notification.objects.exists()


def test_opted_out_user_gets_nothing_and_saving_does_not_fail(django_capture_on_commit_callbacks):
    record = factories.record()
    NotificationOptOut.objects.create(user=record.user, active=True)
    with django_capture_on_commit_callbacks(execute=True):
        Reminder.objects.create(user=record.user, text="x" * 100)
    assert not Notification.objects.exists()


def test_a_long_reminder_text_is_truncated_to_a_valid_title(django_capture_on_commit_callbacks):
    record = factories.record()
    with django_capture_on_commit_callbacks(execute=True):
        Reminder.objects.create(user=record.user, text="x" * 100)
    title = Notification.objects.get().title
    assert len(title) == 100 and title.startswith("Reminder: xxx")
