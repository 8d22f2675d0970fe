"""Issue 13 case 8, as issue 24 left it: an Expo push token is checked where Django
validates (``full_clean()``), with the same rule the Expo handler and the UnusableAddress
delivery rule apply; ``save()`` accepts any address, as 1.5.3 did."""

import pytest
from django.core.exceptions import ValidationError

from django_notification_system.models import TargetUserRecord
from django_notification_system.models.addresses import is_expo_push_token
from django_notification_system.notification_handlers import expo
from tests import factories

pytestmark = pytest.mark.django_db

BAD_TOKENS = [
    "ExponentPushToken[]",
    "ExponentPushToken[abc] trailing",
    " ExponentPushToken[abc]",
    "ExponentPushToken[abc",
    "ExponentPushToken[a b]",
    "ExponentPushTokenabc",
    "not-a-token",
    "",
]
GOOD_TOKENS = ["ExponentPushToken[xXx-123_abc]", "ExpoPushToken[AbC123]"]


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_a_malformed_token_is_refused_by_full_clean(token):
    user = factories.user()
    record = TargetUserRecord(user=user, target=factories.target("expo"), target_user_id=token)
    with pytest.raises(ValidationError) as invalid:
        record.full_clean()
    messages = invalid.value.message_dict["target_user_id"]
    assert any("not an Expo push token" in m for m in messages)
    if len(token) > 3:
        assert not any(token in m for m in messages)  # they name the rule, not the token


@pytest.mark.parametrize("token", ["291747127401", "INVALID_TOKEN!!!!", "ExponentPushToken[]"])
def test_save_accepts_what_1_5_3_accepted(token):
    # The 1.5.3 package's own tests create Expo records such as these.
    record = TargetUserRecord.objects.create(
        user=factories.user(), target=factories.target("expo"), target_user_id=token
    )
    assert TargetUserRecord.objects.get(pk=record.pk).target_user_id == token


@pytest.mark.parametrize("token", GOOD_TOKENS)
def test_well_formed_tokens_are_accepted(token):
    assert factories.record(factories.user(), "expo", address=token).target_user_id == token


def test_the_handler_applies_the_same_rule():
    assert expo.is_expo_push_token is is_expo_push_token
    assert [is_expo_push_token(t) for t in BAD_TOKENS] == [False] * len(BAD_TOKENS)


def test_other_channels_keep_free_form_addresses():
    assert factories.record(factories.user(), "email", address="ExponentPushToken[]")


def test_an_old_malformed_record_can_still_be_deactivated_in_a_form():
    record = factories.record(factories.user(), "expo", address="ExponentPushToken[ok]")
    TargetUserRecord.objects.filter(pk=record.pk).update(target_user_id="ExponentPushToken[]")
    record.refresh_from_db()
    with pytest.raises(ValidationError):
        record.full_clean()
    record.active = False
    record.full_clean()
    record.save()
    assert TargetUserRecord.objects.get(pk=record.pk).active is False
