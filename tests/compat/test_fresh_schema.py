"""A fresh ``migrate`` (1.5.3 schema, then the upgrade) ends at exactly the current models."""

import pytest
from django.db import connection

from django_notification_system.models import Notification, NotificationTarget

from .schema import schema_problems


@pytest.mark.django_db
def test_fresh_database_matches_the_models():
    assert schema_problems() == []


@pytest.mark.django_db
def test_fresh_database_has_the_built_in_targets_once():
    modules = sorted(NotificationTarget.objects.values_list("notification_module_name", flat=True))
    assert modules == ["email", "expo", "in_app", "twilio", "webpush"]


@pytest.mark.django_db(transaction=True)
def test_schema_problems_sees_a_missing_index():
    status_index = Notification._meta.indexes[1]
    with connection.schema_editor() as editor:
        editor.remove_index(Notification, status_index)
    try:
        assert schema_problems() == [
            "notification_system_notification: index 'dns_notification_status_idx' missing"
        ]
    finally:
        with connection.schema_editor() as editor:
            editor.add_index(Notification, status_index)
    assert schema_problems() == []
