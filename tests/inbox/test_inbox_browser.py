"""The demo inbox page in a real headless Chromium against a live server: log in, see the
unread count on the bell, mark one item read and see the count drop, then mark all read;
a group shows as one item with its count and actors; the category filter narrows the list
and what "mark all read" marks."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from django_notification_system import inbox
from django_notification_system.notification_creators import in_app
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_SECONDS = 30
CATEGORIES = {
    "comments": {"label": "Comments on your posts"},
    "news": {"label": "Product news"},
}
User = get_user_model()


def wait_for(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message=f"waiting for {what}")


def count_is(expected: str):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    return ec.text_to_be_present_in_element((By.ID, "unread-count"), expected)


def titles(driver) -> list[str]:
    """The listed titles, read in one script call (the list may be re-rendered meanwhile)."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#inbox-list li .title'),"
        " (title) => title.textContent);"
    )


def test_log_in_see_the_count_mark_one_read_then_all(browser, live_server, settings):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    settings.NOTIFICATION_SYSTEM_CATEGORIES = CATEGORIES
    factories.target("in_app")  # data migrations' rows are flushed between transactional tests
    ada = factories.user("ada")
    ada.set_password("browser-pw")
    ada.save()
    start = timezone.now() - timedelta(minutes=10)
    for i, title in enumerate(["Report ready", "New comment", "Build passed"]):
        in_app.create_notification(ada, title, scheduled_delivery=start + timedelta(minutes=i))
    in_app.create_notification(factories.user("bo"), "Not ada's")

    browser.delete_all_cookies()
    browser.get(f"{live_server.url}/inbox/")
    assert "/accounts/login/" in browser.current_url  # the page needs a logged-in user
    browser.find_element(By.NAME, "username").send_keys("ada")
    browser.find_element(By.NAME, "password").send_keys("browser-pw")
    browser.find_element(By.ID, "log-in").click()
    wait_for(browser, ec.presence_of_element_located((By.CSS_SELECTOR, "#inbox-list li")), "list")

    wait_for(browser, count_is("3"), "the unread count 3")
    items = browser.find_elements(By.CSS_SELECTOR, "#inbox-list li")
    assert [li.find_element(By.CLASS_NAME, "title").text for li in items] == [
        "Build passed",
        "New comment",
        "Report ready",
    ]

    items[1].find_element(By.CLASS_NAME, "mark-read").click()
    wait_for(browser, count_is("2"), "the count to drop to 2")
    wait_for(
        browser,
        lambda driver: (
            not driver.find_elements(By.CSS_SELECTOR, "#inbox-list li:nth-child(2) .mark-read")
        ),
        "the item to show as read",
    )
    assert [n.title for n in inbox.inbox(ada) if n.read_at] == ["New comment"]

    browser.find_element(By.ID, "mark-all-read").click()
    wait_for(browser, count_is("0"), "the count to drop to 0")
    assert inbox.unread_count(ada) == 0
    assert inbox.unread_count(User.objects.get(username="bo")) == 1

    # A group is one item with its count and latest actors; the filter narrows the list.
    for actor in ("Bo", "Cy"):
        in_app.create_notification(
            ada, "New comments", category="comments", group_key="post-1", actor=actor
        )
    in_app.create_notification(ada, "Release notes", category="news")
    browser.get(f"{live_server.url}/inbox/")
    wait_for(browser, count_is("2"), "the count 2: the group counts once")
    wait_for(browser, lambda driver: "Release notes" in titles(driver), "the new items")
    group = browser.find_element(By.CSS_SELECTOR, "#inbox-list li:nth-child(2)")
    assert group.find_element(By.CLASS_NAME, "title").text == "New comments"
    assert group.find_element(By.CLASS_NAME, "group-count").text == "2"
    assert group.find_element(By.CLASS_NAME, "actors").text == "Cy, Bo"

    Select(browser.find_element(By.ID, "category-filter")).select_by_value("comments")
    wait_for(browser, lambda driver: titles(driver) == ["New comments"], "the filtered list")
    browser.find_element(By.ID, "mark-all-read").click()
    wait_for(browser, count_is("1"), "the count to drop to 1: news stays unread")
    assert [n.title for n in inbox.inbox(ada) if n.read_at is None] == ["Release notes"]
