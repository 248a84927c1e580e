"""The webhook pages in a real browser (chromium) against the seeded demo server: a provider manager adds a
webhook pointing at a loopback receiver, stores the secret, sends a test ping that arrives signed, re-sends
it with htmx, and marks a notification read in place. Skips without chromium/playwright."""

import pytest

from kpo.events.signing import verify_signature

from .conftest import DEMO_PASSWORD


@pytest.fixture
def manager_page(browser, demo_server):
    """A browser page signed in as the demo provider manager (through the real login form)."""
    context = browser.new_context(
        base_url=demo_server, locale="en-GB", viewport={"width": 1400, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("#id_username").fill("provider.manager@demo.kpo")
    page.locator("#id_password").fill(DEMO_PASSWORD)
    page.locator("#id_password").press("Enter")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    yield page
    context.close()


@pytest.fixture
def browser_receiver():
    from tests.events.conftest import Receiver

    running = Receiver(port=0).start()
    yield running
    running.stop()


def test_a_manager_adds_a_webhook_and_a_test_ping_arrives_signed(manager_page, shoot, browser_receiver):
    page = manager_page
    page.goto("/notifications/")
    page.get_by_role("link", name="Webhooks").first.click()
    page.get_by_role("link", name="Add webhook").click()
    page.get_by_label("Payload URL").fill(browser_receiver.url)
    page.get_by_label("Description").fill("Browser test receiver")
    page.get_by_label("SLA breached").check()
    page.get_by_role("button", name="Add webhook").click()

    secret = page.locator("#webhook-secret").inner_text().strip()
    assert secret.startswith("whsec_")
    shoot(page, "webhook-secret-shown-once")
    page.get_by_role("link", name="I have stored the secret").click()

    page.get_by_role("button", name="Send test ping").click()
    row = page.locator("tbody tr").first
    assert "Succeeded" in row.inner_text()
    assert len(browser_receiver.received) == 1
    ping = browser_receiver.received[0]
    assert ping.headers["X-KPO-Event"] == "webhook.ping"
    assert verify_signature(
        secret, ping.headers["X-KPO-Timestamp"], ping.body, ping.headers["X-KPO-Signature"]
    )
    shoot(page, "webhook-delivery-log")

    log_url = page.url
    row.get_by_role("button", name="Re-send").click()  # htmx: the row is swapped in place
    page.wait_for_function("() => !document.querySelector('tbody tr.htmx-request')")
    page.wait_for_timeout(300)
    assert page.url == log_url
    assert len(browser_receiver.received) == 2
    first, second = browser_receiver.received
    assert first.headers["X-KPO-Idempotency-Key"] == second.headers["X-KPO-Idempotency-Key"]

    page.goto("/notifications/webhooks/")
    assert "Browser test receiver" in page.content()
    assert secret not in page.content()
    shoot(page, "webhook-list")


def test_a_notification_is_marked_read_in_place(manager_page, shoot):
    page = manager_page
    page.goto("/notifications/")
    buttons = page.get_by_role("button", name="Mark read")
    before = buttons.count()
    if before == 0:
        pytest.skip("the demo data left this user no unread notification")
    row_id = page.locator("li.list-row", has=buttons.first).first.get_attribute("id")
    buttons.first.click()
    page.locator(f"#{row_id} button", has_text="Mark read").wait_for(state="detached")
    assert page.get_by_role("button", name="Mark read").count() == before - 1
    assert page.url.endswith("/notifications/")
    shoot(page, "notifications")
