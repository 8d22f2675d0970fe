"""``{% load notification_inbox %}``: the request user's unread count and a small list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.template import Context, Template
from django.test import RequestFactory
from django.utils import timezone

from django_notification_system import inbox
from django_notification_system.notification_creators import in_app
from tests import factories

pytestmark = pytest.mark.django_db


def render(source: str, user) -> str:
    request = RequestFactory().get("/")
    request.user = user
    return Template("{% load notification_inbox %}" + source).render(Context({"request": request}))


@pytest.fixture
def ada():
    user = factories.user("ada")
    start = timezone.now() - timedelta(hours=1)
    for i in range(7):
        in_app.create_notification(
            user, f"item {i}", url=f"/t/{i}", scheduled_delivery=start + timedelta(minutes=i)
        )
    return user


def test_unread_count_as_a_variable_is_the_request_users(ada):
    bo = factories.user("bo")
    in_app.create_notification(bo, "bo's")
    assert render("{% unread_count as n %}[{{ n }}]", ada) == "[7]"
    assert render("{% unread_count as n %}[{{ n }}]", bo) == "[1]"
    inbox.mark_all_read(ada)
    assert render("{% unread_count as n %}[{{ n }}]", ada) == "[0]"
    assert render("{% unread_count as n %}[{{ n }}]", AnonymousUser()) == "[0]"


def test_unseen_count_and_an_explicit_user(ada):
    bo = factories.user("bo")
    context = "{% unseen_count who as n %}{{ n }}"
    source = "{% load notification_inbox %}" + context
    assert Template(source).render(Context({"who": ada})) == "7"
    assert render("{% unseen_count as n %}{{ n }}", bo) == "0"


def test_inbox_list_shows_the_newest_items_and_marks_unread_ones(ada):
    first = inbox.inbox(ada).first()
    inbox.mark_read(ada, [first.pk])
    html = render("{% inbox_list limit=3 %}", ada)
    assert html.count("<li") == 3
    assert html.index("item 6") < html.index("item 5") < html.index("item 4")
    assert "item 3" not in html
    assert 'href="/t/6"' in html
    assert html.count('class="notification unread"') == 2


def test_inbox_list_shows_a_groups_count_and_actors():
    cy = factories.user("cy")
    for actor in ("Bo", "Ann"):
        in_app.create_notification(cy, "New comments", group_key="post-1", actor=actor)
    html = render("{% inbox_list %}", cy)
    assert html.count("<li") == 1
    assert '<span class="group-count">2</span>' in html
    assert '<span class="actors">Ann, Bo</span>' in html


def test_inbox_list_for_an_empty_inbox():
    assert "No notifications." in render("{% inbox_list %}", factories.user("cy"))
