"""The notification admin in a real headless Chromium against a live server: log in, read
the summary, filter by status and channel, run "Retry now", see the row change, open it and
see its attempts."""

from __future__ import annotations

import pytest
from django.utils import timezone

from django_notification_system.models import DeliveryAttempt, Notification
from tests import factories

pytestmark = pytest.mark.django_db(transaction=True)

WAIT_SECONDS = 30
CHANGELIST = "/admin/django_notification_system/notification/"


def wait_for(driver, condition, what: str):
    """Wait explicitly for ``condition``; the failure message says what never appeared."""
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_SECONDS).until(condition, message=f"waiting for {what}")


def _new_document_loaded(driver) -> bool:
    """True once the window no longer shows the document :func:`click_and_wait` marked."""
    from selenium.common.exceptions import WebDriverException

    try:
        return not driver.execute_script("return window.__dnsOldPage === true;")
    except WebDriverException:  # the old document is being torn down: not there yet
        return False


def click_and_wait(driver, element, ready, what: str) -> None:
    """Click ``element``, wait until the current page is gone, then until ``ready`` holds.

    The old page is recognised by a marker on its window rather than with Selenium's
    ``staleness_of``: Chromium sometimes answers a query on a node of a replaced document
    with "Node with given id does not belong to the document" instead of the stale-element
    error ``staleness_of`` waits for.
    """
    driver.execute_script("window.__dnsOldPage = true;")
    element.click()
    wait_for(driver, _new_document_loaded, f"{what} to load")
    wait_for(driver, ready, what)


def click_and_wait_for_new_list(driver, element, what: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec

    ready = ec.presence_of_element_located((By.ID, "result_list"))
    click_and_wait(driver, element, ready, what)


def titles_listed(driver) -> list[str]:
    from selenium.webdriver.common.by import By

    return [a.text for a in driver.find_elements(By.CSS_SELECTOR, "#result_list tbody th a")]


def status_of_row(driver, title: str) -> str:
    from selenium.webdriver.common.by import By

    row = driver.find_element(
        By.XPATH, f'//table[@id="result_list"]//tr[.//th//a[text()="{title}"]]'
    )
    return row.find_element(By.CSS_SELECTOR, "td.field-status").text


def test_log_in_filter_and_retry_now(browser, live_server, django_user_model):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import Select

    django_user_model.objects.create_superuser("admin", "admin@example.com", "browser-pw")
    past = timezone.now() - timezone.timedelta(hours=2)
    failed = factories.notification(
        title="Bounced once",
        status=Notification.DELIVERY_FAILURE,
        attempted_delivery=past,
        retry_attempts=3,
    )
    DeliveryAttempt.objects.create(
        notification=failed, outcome="failed", error="550 mailbox unavailable"
    )
    factories.notification(factories.record(factories.user("bo")), title="Still scheduled")
    factories.notification(
        factories.record(factories.user("pi"), module_name="pigeon_post", address="loft-9"),
        title="Pigeon lost",
        status=Notification.DELIVERY_FAILURE,
        attempted_delivery=past,
    )

    browser.get(f"{live_server.url}/admin/login/?next={CHANGELIST}")
    browser.find_element(By.NAME, "username").send_keys("admin")
    browser.find_element(By.NAME, "password").send_keys("browser-pw")
    browser.find_element(By.CSS_SELECTOR, "input[type=submit]").click()
    wait_for(browser, ec.presence_of_element_located((By.ID, "result_list")), "the changelist")

    summary = browser.find_element(By.ID, "notification-summary")
    total = summary.find_element(
        By.CSS_SELECTOR, 'tr[data-channel="total"] td[data-status="total"]'
    )
    assert total.text == "3"

    filters = browser.find_element(By.ID, "changelist-filter")
    click_and_wait_for_new_list(
        browser, filters.find_element(By.LINK_TEXT, "Delivery Failure"), "the filtered list"
    )
    assert "status__exact=DELIVERY+FAILURE" in browser.current_url
    assert sorted(titles_listed(browser)) == ["Bounced once", "Pigeon lost"]

    filters = browser.find_element(By.ID, "changelist-filter")
    click_and_wait_for_new_list(
        browser, filters.find_element(By.LINK_TEXT, "Email"), "the status and channel list"
    )
    assert titles_listed(browser) == ["Bounced once"]
    assert status_of_row(browser, "Bounced once") == "Delivery Failure"

    browser.find_element(By.CSS_SELECTOR, f'input.action-select[value="{failed.pk}"]').click()
    Select(browser.find_element(By.NAME, "action")).select_by_value("retry_now")
    click_and_wait(
        browser,
        browser.find_element(By.CSS_SELECTOR, 'button[name="index"]'),
        ec.text_to_be_present_in_element(
            (By.CSS_SELECTOR, ".messagelist"), "1 notification(s) will be retried now"
        ),
        "the action's message",
    )

    assert not browser.find_elements(By.LINK_TEXT, "Bounced once")  # no longer a failure
    filters = browser.find_element(By.ID, "changelist-filter")
    click_and_wait_for_new_list(
        browser, filters.find_element(By.LINK_TEXT, "Retry"), "the Retry list"
    )
    assert "status__exact=RETRY" in browser.current_url
    assert status_of_row(browser, "Bounced once") == "Retry"

    click_and_wait(
        browser,
        browser.find_element(By.LINK_TEXT, "Bounced once"),
        ec.text_to_be_present_in_element((By.ID, "content-main"), "550 mailbox unavailable"),
        "the notification page with its attempts",
    )
    failed.refresh_from_db()
    assert failed.status == Notification.RETRY
    assert failed.retry_attempts == 0
