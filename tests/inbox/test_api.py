"""The JSON inbox API through real requests: the requesting user's items only, cursor pages
in at most 3 queries, counts with ETag/304, POST-only state changes with CSRF, a schema."""

from __future__ import annotations

import base64
import json
import warnings
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from django_notification_system import inbox
from django_notification_system.models import Notification
from django_notification_system.notification_creators import in_app
from tests import factories

pytestmark = pytest.mark.django_db

API = "/api/notifications/"


def post_items(user, count: int, prefix: str = "item") -> list[Notification]:
    start = timezone.now() - timedelta(hours=1)
    rows = []
    for i in range(count):
        rows += in_app.create_notification(
            user,
            f"{prefix} {i}",
            body=f"body {i}",
            url=f"/things/{i}",
            scheduled_delivery=start + timedelta(seconds=i),
        )
    return rows


@pytest.fixture
def ada():
    return factories.user("ada")


@pytest.fixture
def client(ada) -> APIClient:
    api = APIClient()
    api.force_login(ada)
    return api


def test_anonymous_requests_are_refused():
    response = APIClient().get(f"{API}inbox/")
    assert response.status_code in (401, 403)
    assert APIClient().get(f"{API}inbox/counts/").status_code in (401, 403)


def test_the_inbox_lists_the_users_items_newest_first(client, ada):
    post_items(ada, 3)
    post_items(factories.user("bo"), 2, prefix="bo's")
    response = client.get(f"{API}inbox/")
    assert response.status_code == 200
    results = response.json()["results"]
    assert [item["title"] for item in results] == ["item 2", "item 1", "item 0"]
    fields = {"id", "title", "body", "category", "url", "created", "read_at", "seen_at"}
    assert set(results[0]) == fields | {"group_count", "actors"}
    assert results[0]["url"] == "/things/2" and results[0]["read_at"] is None
    assert (results[0]["group_count"], results[0]["actors"]) == (1, [])


def test_a_group_is_one_item_with_its_count_and_actors_and_reading_it_reads_all(client, ada):
    for actor in ("Bo", "Cy", "Di"):
        in_app.create_notification(ada, "New comments", group_key="post-1", actor=actor)
    (item,) = client.get(f"{API}inbox/").json()["results"]
    assert (item["group_count"], item["actors"]) == (3, ["Di", "Cy", "Bo"])
    assert client.get(f"{API}inbox/counts/").json() == {"unread": 1, "unseen": 1}
    response = client.post(f"{API}inbox/{item['id']}/read/")
    assert response.json() == {"updated": 3}
    assert client.get(f"{API}inbox/counts/").json() == {"unread": 0, "unseen": 0}


def test_cursor_pages_cover_every_item_once(client, ada):
    post_items(ada, 7)
    titles, url = [], f"{API}inbox/?page_size=3"
    while url:
        page = client.get(url).json()
        titles += [item["title"] for item in page["results"]]
        url = page["next"]
    assert titles == [f"item {i}" for i in reversed(range(7))]


@pytest.mark.parametrize("page_size", [1, 20, 100])
def test_a_page_is_at_most_three_queries_whatever_its_size(client, ada, page_size):
    post_items(ada, 101)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(f"{API}inbox/?page_size={page_size}")
    assert len(response.json()["results"]) == page_size
    assert len(ctx.captured_queries) <= 3, [q["sql"][:60] for q in ctx.captured_queries]
    cursor = parse_qs(urlsplit(response.json()["next"]).query)["cursor"][0]
    with CaptureQueriesContext(connection) as ctx:
        client.get(f"{API}inbox/", {"page_size": page_size, "cursor": cursor})
    assert len(ctx.captured_queries) <= 3


def test_unread_filter(client, ada):
    rows = post_items(ada, 3)
    inbox.mark_read(ada, [rows[1].pk])
    results = client.get(f"{API}inbox/?unread=true").json()["results"]
    assert [item["title"] for item in results] == ["item 2", "item 0"]


def test_counts_carry_an_etag_and_a_matching_one_gets_304(client, ada):
    rows = post_items(ada, 2)
    response = client.get(f"{API}inbox/counts/")
    assert response.json() == {"unread": 2, "unseen": 2}
    etag = response["ETag"]
    assert "private" in response["Cache-Control"]

    unchanged = client.get(f"{API}inbox/counts/", HTTP_IF_NONE_MATCH=etag)
    assert unchanged.status_code == 304 and unchanged.content == b""

    inbox.mark_read(ada, [rows[0].pk])
    changed = client.get(f"{API}inbox/counts/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200
    assert changed.json() == {"unread": 1, "unseen": 1}
    assert changed["ETag"] != etag


def test_counts_are_one_query_after_the_session_and_user(ada):
    post_items(ada, 2)
    session_client = APIClient()
    session_client.force_login(ada)
    with CaptureQueriesContext(connection) as ctx:
        response = session_client.get(f"{API}inbox/counts/")
    assert response.json() == {"unread": 2, "unseen": 2}
    # the session, the user, then both counts in one query
    assert len(ctx.captured_queries) == 3, [q["sql"][:80] for q in ctx.captured_queries]


def test_two_users_with_equal_counts_never_share_an_etag(client, ada):
    bo = factories.user("bo")
    post_items(ada, 1)
    post_items(bo, 1)
    other = APIClient()
    other.force_login(bo)
    mine = client.get(f"{API}inbox/counts/")
    theirs = other.get(f"{API}inbox/counts/", HTTP_IF_NONE_MATCH=mine["ETag"])
    assert theirs.status_code == 200 and theirs["ETag"] != mine["ETag"]


@pytest.mark.parametrize("change", ["read", "unread", "archive"])
def test_state_changes_are_post_only_and_another_users_id_is_404(client, ada, change):
    (mine,) = post_items(ada, 1)
    (theirs,) = post_items(factories.user("bo"), 1)
    assert client.get(f"{API}inbox/{mine.pk}/{change}/").status_code == 405
    response = client.post(f"{API}inbox/{theirs.pk}/{change}/")
    assert response.status_code == 404
    assert Notification.objects.get(pk=theirs.pk).read_at is None
    assert Notification.objects.get(pk=theirs.pk).archived_at is None
    assert client.post(f"{API}inbox/{mine.pk}/{change}/").json() == {"updated": 1}


def test_read_unread_archive_change_the_counts(client, ada):
    first, second = post_items(ada, 2)
    client.post(f"{API}inbox/{first.pk}/read/")
    assert client.get(f"{API}inbox/counts/").json() == {"unread": 1, "unseen": 1}
    client.post(f"{API}inbox/{first.pk}/unread/")
    assert client.get(f"{API}inbox/counts/").json() == {"unread": 2, "unseen": 1}
    client.post(f"{API}inbox/{second.pk}/archive/")
    assert [i["title"] for i in client.get(f"{API}inbox/").json()["results"]] == ["item 0"]


def test_get_never_changes_state(client, ada):
    post_items(ada, 2)
    for path in ("inbox/", "inbox/counts/", "inbox/mark-all-read/", "inbox/mark-seen/"):
        client.get(f"{API}{path}")
    assert inbox.unread_count(ada) == 2 and inbox.unseen_count(ada) == 2


def test_mark_all_read_before_the_newest_item_shown(client, ada):
    post_items(ada, 3)
    newest_shown = client.get(f"{API}inbox/").json()["results"][0]["id"]
    in_app.create_notification(ada, "arrived meanwhile")
    response = client.post(f"{API}inbox/mark-all-read/", {"before": newest_shown}, format="json")
    assert response.json() == {"updated": 3}
    assert client.get(f"{API}inbox/counts/").json()["unread"] == 1
    assert client.post(f"{API}inbox/mark-all-read/").json() == {"updated": 1}


def test_mark_all_read_rejects_a_bad_before_by_name(client, ada):
    post_items(ada, 1)
    response = client.post(f"{API}inbox/mark-all-read/", {"before": "yesterday"}, format="json")
    assert response.status_code == 400
    assert "before" in response.json()
    assert inbox.unread_count(ada) == 1


def test_mark_all_read_accepts_a_datetime(client, ada):
    post_items(ada, 3)
    before = (timezone.now() - timedelta(minutes=59, seconds=59)).isoformat()
    response = client.post(f"{API}inbox/mark-all-read/", {"before": before}, format="json")
    assert response.json() == {"updated": 2}


def test_mark_seen_some_or_all(client, ada):
    rows = post_items(ada, 3)
    response = client.post(f"{API}inbox/mark-seen/", {"ids": [str(rows[0].pk)]}, format="json")
    assert response.json() == {"updated": 1}
    assert client.post(f"{API}inbox/mark-seen/").json() == {"updated": 2}
    assert client.get(f"{API}inbox/counts/").json() == {"unread": 3, "unseen": 0}


def test_csrf_is_enforced_for_session_authentication(ada):
    (row,) = post_items(ada, 1)
    browser = APIClient(enforce_csrf_checks=True)
    browser.force_login(ada)
    refused = browser.post(f"{API}inbox/{row.pk}/read/")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["detail"]
    assert inbox.unread_count(ada) == 1

    browser.get("/admin/login/")  # any Django page that hands out the CSRF cookie
    token = browser.cookies["csrftoken"].value
    accepted = browser.post(f"{API}inbox/{row.pk}/read/", HTTP_X_CSRFTOKEN=token)
    assert accepted.status_code == 200
    assert inbox.unread_count(ada) == 0


def test_the_openapi_schema_renders(client):
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        response = client.get(f"{API}schema/")
    assert response.status_code == 200
    schema = json.loads(response.content)
    assert schema["openapi"].startswith("3.")
    paths = schema["paths"]
    assert "get" in paths["/inbox/"] and "get" in paths["/inbox/counts/"]
    assert set(paths["/inbox/{id}/read/"]) == {"post"}
    assert set(paths["/inbox/mark-all-read/"]) == {"post"}
    item = schema["components"]["schemas"]["InboxItem"]["properties"]
    assert {"id", "title", "url", "read_at", "seen_at", "created"} <= set(item)


def _cursor(querystring: str) -> str:
    """A cursor as DRF encodes one (``+`` quoted), from a raw query string."""
    quoted = querystring.replace("+", "%2B")
    return base64.b64encode(quoted.encode("latin-1")).decode("ascii")


@pytest.mark.parametrize(
    "cursor",
    [
        _cursor("o=0&r=0&p=junk"),
        _cursor("p="),
        _cursor("p=2024-13-45 99:00:00+00:00"),
        _cursor("p=99999999999999999999999999"),
        _cursor("p=-1"),
        _cursor("p=2024-01-01 00:00:00"),  # naive: DRF never writes one
        _cursor("p=9999-12-31 23:59:59-14:00"),  # past year 9999 in UTC
        _cursor("p=%00%01"),
        _cursor("o=-5&p=2024-01-01 00:00:00+00:00"),
        _cursor("r=yes"),
        _cursor("p=[1, 2]"),
        _cursor('p={"when": 1}'),
        "not base64 !!",
        _cursor("\x80\x81"),
    ],
)
def test_a_crafted_cursor_is_an_invalid_cursor_not_a_server_error(client, ada, cursor):
    post_items(ada, 2)
    response = client.get(f"{API}inbox/", {"cursor": cursor})
    assert response.status_code == 404, response.content[:200]
    assert response.json() == {"detail": "Invalid cursor"}


@pytest.mark.parametrize(
    "querystring",
    [
        "o=99999999999999999999&p=2999-01-01 00:00:00+00:00",  # offset capped, far future
        "p=0001-01-01 00:00:00+00:00",  # the oldest date: an empty page
        "r=1&p=2000-01-01 00:00:00+05:00",
    ],
)
def test_an_unusual_but_valid_cursor_answers_a_page(client, ada, querystring):
    post_items(ada, 2)
    response = client.get(f"{API}inbox/", {"cursor": _cursor(querystring)})
    assert response.status_code == 200
    assert isinstance(response.json()["results"], list)


def test_counts_honour_a_weak_etag(client, ada):
    """Issue 30.7: ``If-None-Match`` compares weakly (RFC 9110): ``W/"…"`` matches."""
    rows = post_items(ada, 2)
    etag = client.get(f"{API}inbox/counts/")["ETag"]
    assert not etag.startswith("W/")
    for offered in (f"W/{etag}", f'"other", W/{etag}', f"W/{etag}, {etag}"):
        response = client.get(f"{API}inbox/counts/", HTTP_IF_NONE_MATCH=offered)
        assert response.status_code == 304, offered
        assert response["ETag"] == etag
    inbox.mark_read(ada, [rows[0].pk])
    stale = client.get(f"{API}inbox/counts/", HTTP_IF_NONE_MATCH=f"W/{etag}")
    assert stale.status_code == 200
    assert stale.json() == {"unread": 1, "unseen": 1}
