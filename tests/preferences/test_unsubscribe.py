"""One-click unsubscribe (RFC 8058): headers on categorised email, signed tokens, POST turns
the (category, email) preference off, GET only asks."""

from __future__ import annotations

import json

import pytest
from django.core import mail, signing
from django.test import override_settings

from django_notification_system.dispatch.run import process_notifications
from django_notification_system.models import NotificationPreference
from django_notification_system.notification_creators import email
from django_notification_system.preferences import is_enabled
from django_notification_system.preferences.unsubscribe import SALT, make_token
from tests import factories

pytestmark = pytest.mark.django_db

BASE = "https://www.example.com"
PREFIX = f"<{BASE}/notifications/unsubscribe/"


@pytest.fixture(autouse=True)
def public_base_url():
    with override_settings(NOTIFICATION_SYSTEM_PUBLIC_BASE_URL=BASE):
        yield


def _sent(ada) -> dict:
    for category in ("comments", "security", "billing", None):
        email.create_notification(ada, f"About {category}", "<p>hi</p>", category=category)
    process_notifications()
    return {m.subject: m for m in mail.outbox}


def test_categorised_email_carries_the_one_click_headers():
    ada = factories.record().user
    sent = _sent(ada)
    headers = sent["About comments"].extra_headers
    assert headers["List-Unsubscribe"].startswith(PREFIX)
    assert headers["List-Unsubscribe"].endswith("/>")
    assert headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    message = sent["About comments"].message()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    for no_header in ("About security", "About billing", "About None"):  # critical, required
        assert "List-Unsubscribe" not in sent[no_header].extra_headers


def test_no_header_without_a_public_base_url():
    ada = factories.record().user
    with override_settings(NOTIFICATION_SYSTEM_PUBLIC_BASE_URL=""):
        sent = _sent(ada)
    assert "List-Unsubscribe" not in sent["About comments"].extra_headers


def _link(client, ada) -> str:
    sent = _sent(ada)
    return sent["About comments"].extra_headers["List-Unsubscribe"][len(f"<{BASE}") : -1]


def test_get_shows_a_confirmation_and_changes_nothing(client):
    ada = factories.record().user
    response = client.get(_link(client, ada))
    assert response.status_code == 200
    assert b'<form method="post">' in response.content
    assert b"Comments on your posts" in response.content
    assert is_enabled(ada, "comments", "email")
    assert not NotificationPreference.objects.exists()


def test_one_click_post_turns_off_that_category_by_email(client):
    ada = factories.record().user
    link = _link(client, ada)
    # a mail provider's POST: no session, no CSRF token, the RFC 8058 body
    response = client.post(
        link,
        data="List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert b"Unsubscribed" in response.content
    assert not is_enabled(ada, "comments", "email")
    assert is_enabled(ada, "comments", "expo")
    assert client.post(link).status_code == 200  # again: still off, no error
    assert list(NotificationPreference.objects.values_list("category", "channel", "enabled")) == [
        ("comments", "email", False)
    ]


def test_csrf_is_not_required_for_the_one_click_post():
    from django.test import Client

    ada = factories.record().user
    link = f"/notifications/unsubscribe/{make_token(ada.pk, 'comments', 'email')}/"
    response = Client(enforce_csrf_checks=True).post(link)
    assert response.status_code == 200
    assert not is_enabled(ada, "comments", "email")


def test_tampered_and_foreign_tokens_change_nothing(client):
    ada = factories.record().user
    bo = factories.record(factories.user("bo")).user
    token = make_token(ada.pk, "comments", "email")
    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    # bo's pk in the payload, ada's signature kept
    payload = json.dumps([str(bo.pk), "comments", "email"], separators=(",", ":")).encode()
    forged_user = signing.b64_encode(payload).decode() + token[token.index(":") :]
    other_salt = signing.dumps([str(ada.pk), "comments", "email"], salt="another", compress=True)
    with override_settings(SECRET_KEY="another-site"):
        other_site = make_token(ada.pk, "comments", "email")
    for bad in (tampered, forged_user, other_salt, other_site, "not-a-token"):
        for method in (client.get, client.post):
            response = method(f"/notifications/unsubscribe/{bad}/")
            assert response.status_code == 400, bad
    assert not NotificationPreference.objects.exists()
    assert SALT not in token


@pytest.mark.parametrize(
    ("user_pk", "category", "channel"),
    [
        ("999999", "comments", "email"),  # no such user
        (None, "gone", "email"),  # a category no longer declared
        (None, "security", "email"),  # critical
        (None, "billing", "email"),  # required channel
    ],
)
def test_tokens_naming_nothing_that_can_be_turned_off_are_404(client, user_pk, category, channel):
    ada = factories.record().user
    token = make_token(user_pk or ada.pk, category, channel)
    assert client.post(f"/notifications/unsubscribe/{token}/").status_code == 404
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize(
    "value",
    [
        ["1", "comments"],  # a missing part
        ["1", "comments", "email", "extra"],
        [1, "comments", "email"],  # not text
        ["1", None, "email"],
        {"user": "1", "category": "comments", "channel": "email"},
        "junk",
        42,
        None,
        [],
    ],
    ids=repr,
)
def test_a_signed_token_of_the_wrong_shape_is_400(client, value):
    """Issue 30.7: signed with the right key and salt, but not what make_token writes."""
    factories.record()
    token = signing.dumps(value, salt=SALT, compress=True)
    for method in (client.get, client.post):
        assert method(f"/notifications/unsubscribe/{token}/").status_code == 400
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize(
    "user_pk",
    ["abc", "", "1.5", "-1", "99999999999999999999999", "1e3", "0x1", "1\x00", "\u0661", "01"],
    ids=repr,
)
def test_a_user_id_no_user_can_have_is_404_not_500(client, user_pk):
    """Issue 30.7: a non-numeric user id in a validly signed token was a 500."""
    factories.record()
    token = make_token(user_pk, "comments", "email")
    for method in (client.get, client.post):
        assert method(f"/notifications/unsubscribe/{token}/").status_code == 404
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize("junk", ["a", "a:b", "a:b:c", "%00", "..", "x" * 2000, ":::"])
def test_junk_in_the_token_path_is_400_or_404_never_500(client, junk):
    for method in (client.get, client.post):
        assert method(f"/notifications/unsubscribe/{junk}/").status_code in (400, 404)
