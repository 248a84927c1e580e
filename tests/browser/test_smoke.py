"""Each demo role logs in through the real login form and lands on its own home page."""

import pytest

ROLES = [
    "client.staff",
    "client.sme",
    "provider.manager",
    "provider.analyst",
    "consultant.analyst",
    "consultant.broker",
]


@pytest.mark.parametrize("login", ROLES)
def test_each_demo_role_logs_in_and_sees_their_home(page_as, login):
    page = page_as(login)
    assert page.url.rstrip("/").endswith(":" + page.url.split(":")[2].split("/")[0])
    assert f"{login}@demo.kpo" in page.content()


def test_wrong_password_is_refused_with_a_message(browser, demo_server):
    context = browser.new_context(base_url=demo_server)
    page = context.new_page()
    page.goto("/accounts/login/")
    page.locator("#id_username").fill("client.staff@demo.kpo")
    page.locator("#id_password").fill("not-the-password")
    page.locator("form:has(#id_password) button[type=submit]").click()
    assert page.get_by_role("alert").is_visible()
    assert "/accounts/login/" in page.url
    context.close()
