"""The preferences page and the unsubscribe confirmation in a real headless Chromium against
a live server: log in, see locked cells disabled, change two cells, save, see them stick;
open an unsubscribe link, see nothing change until the button is pressed."""

from __future__ import annotations

import pytest

from django_notification_system.preferences import is_enabled
from django_notification_system.preferences.unsubscribe import make_token
from tests.ops.test_admin_browser import click_and_wait, wait_for

pytestmark = pytest.mark.django_db(transaction=True)

PAGE = "/notifications/preferences/"


def checkbox(driver, category: str, channel: str):
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, f'input[name="{category}/{channel}"]')


def test_change_preferences_in_a_browser(browser, live_server, django_user_model):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    ada = django_user_model.objects.create_user("ada", "ada@example.com", "browser-pw")
    ada.is_staff = True  # logs in through the admin's login form
    ada.save()

    browser.get(f"{live_server.url}/admin/login/?next={PAGE}")
    browser.find_element(By.NAME, "username").send_keys("ada")
    browser.find_element(By.NAME, "password").send_keys("browser-pw")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_for(browser, ec.presence_of_element_located((By.ID, "notification-preferences")), "page")

    assert not checkbox(browser, "security", "email").is_enabled()  # critical: locked
    assert not checkbox(browser, "billing", "email").is_enabled()  # required: locked
    assert checkbox(browser, "billing", "email").is_selected()
    assert checkbox(browser, "comments", "email").is_selected()  # default on
    assert not checkbox(browser, "news", "email").is_selected()  # default off

    checkbox(browser, "comments", "email").click()
    checkbox(browser, "news", "email").click()
    click_and_wait(
        browser,
        browser.find_element(By.CSS_SELECTOR, "#notification-preferences button[type=submit]"),
        ec.text_to_be_present_in_element((By.CSS_SELECTOR, ".messages"), "2 changed"),
        "the saved message",
    )
    assert not checkbox(browser, "comments", "email").is_selected()
    assert checkbox(browser, "news", "email").is_selected()
    assert not is_enabled(ada, "comments", "email")
    assert is_enabled(ada, "news", "email")

    browser.get(
        f"{live_server.url}/notifications/unsubscribe/{make_token(ada.pk, 'news', 'email')}/"
    )
    wait_for(browser, ec.presence_of_element_located((By.ID, "confirm-unsubscribe")), "button")
    assert is_enabled(ada, "news", "email")  # GET changed nothing
    click_and_wait(
        browser,
        browser.find_element(By.ID, "confirm-unsubscribe"),
        ec.presence_of_element_located((By.ID, "unsubscribed")),
        "the unsubscribed page",
    )
    assert not is_enabled(ada, "news", "email")
    browser.get(f"{live_server.url}{PAGE}")
    wait_for(browser, ec.presence_of_element_located((By.ID, "notification-preferences")), "page")
    assert not checkbox(browser, "news", "email").is_selected()
