"""Buying with WeChat Pay in a real browser, against the offline WeChat Pay sandbox that
`python -m luffy.serve` starts: on a desktop the store shows the QR code and polls while the
buyer "scans" it in the sandbox; on a phone the buyer goes to the H5 page and back."""

import re

import pytest

from tests.e2e.conftest import ARTIFACTS, login
from tests.e2e.test_checkout import add_to_cart

pytestmark = pytest.mark.e2e

DESKTOP_COURSE = "Go 语言基础"
PHONE_COURSE = "Docker 与 Kubernetes"
PHONE = {"width": 390, "height": 844}


def checkout_with_wechat(page, store, course: str, shot=None, name: str = "") -> None:
    add_to_cart(page, store, course)
    page.goto("/cart")
    page.get_by_role("button", name="去结算").click()
    page.wait_for_url("**/checkout")
    page.locator("[data-test=pay-type-wechat]").click()
    if shot:
        shot(name)
    page.locator("[data-test=pay]").click()


def test_buy_with_wechat_pay_by_scanning_the_qr_code(page, store, shot):
    from playwright.sync_api import expect

    login(page, store.register())
    checkout_with_wechat(page, store, DESKTOP_COURSE, shot, "wechat-checkout")

    # Our own page shows the QR code of WeChat's code_url and waits for the payment.
    page.wait_for_url(re.compile(r"/payments/wechat/\d+"))
    qr = page.locator("[data-test=wechat-qr]")
    expect(qr).to_be_visible()
    assert qr.get_attribute("src").startswith("data:image/svg+xml")
    order_number = page.locator("[data-test=wechat-order]").inner_text()
    shot("wechat-qr")

    # "Scan" it: the sandbox's cashier for that code_url, in another tab, as a phone would.
    scan_url = page.locator("[data-test=wechat-sandbox-scan]").get_attribute("href")
    cashier = page.context.new_page()
    cashier.goto(scan_url)
    cashier.wait_for_url(re.compile(r"/sandbox/native/"))
    expect(cashier.locator("#qr-code svg")).to_be_visible()
    cashier.screenshot(path=str(ARTIFACTS / "wechat-sandbox-cashier.png"))
    cashier.get_by_role("button", name="用微信支付（模拟）").click()
    expect(cashier.locator("#result")).to_have_text("支付成功")
    cashier.close()

    # The store's page notices (the notify settled it, or its poll asked WeChat).
    page.wait_for_url(re.compile(r"/payments/result\?pay_type=wechat"), timeout=20_000)
    page.locator("[data-test=result-paid]").wait_for(timeout=20_000)
    expect(page.locator("[data-test=result-order]")).to_have_text(order_number)
    expect(page.locator("[data-test=result-course]")).to_have_text(re.compile(DESKTOP_COURSE))
    shot("wechat-result")

    page.goto("/my/orders")
    order = page.locator(f"[data-test=order][data-order='{order_number}']")
    expect(order.locator("[data-test=order-status]")).to_have_text("已支付")


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_buy_with_wechat_pay_on_a_phone_by_h5(page, store, shot):
    from playwright.sync_api import expect

    login(page, store.register())
    checkout_with_wechat(page, store, PHONE_COURSE, shot, "wechat-checkout-phone")

    # The phone goes to WeChat's H5 page (here the sandbox's), pays, and is sent back.
    page.wait_for_url(re.compile(r"/sandbox/h5/\?prepay_id=wx"))
    expect(page.get_by_role("button", name="用微信支付（模拟）")).to_be_visible()
    shot("wechat-h5-phone")
    page.get_by_role("button", name="用微信支付（模拟）").click()
    page.wait_for_url(re.compile(r"/payments/result\?pay_type=wechat&order_number=\d+"))
    page.locator("[data-test=result-paid]").wait_for(timeout=20_000)
    expect(page.locator("[data-test=result-course]")).to_have_text(re.compile(PHONE_COURSE))
    shot("wechat-result-phone")


def test_my_orders_offers_both_gateways(page, store):
    from playwright.sync_api import expect

    login(page, store.register())
    add_to_cart(page, store, DESKTOP_COURSE)
    page.goto("/cart")
    page.get_by_role("button", name="去结算").click()
    page.wait_for_url("**/checkout")
    page.locator("[data-test=pay-type-wechat]").click()
    page.locator("[data-test=pay]").click()
    page.wait_for_url(re.compile(r"/payments/wechat/\d+"))
    page.goto("/my/orders?status=0")
    order = page.locator("[data-test=order]").first
    expect(order.locator("[data-test=order-pay]")).to_have_text("支付宝支付")
    expect(order.locator("[data-test=order-pay-wechat]")).to_have_text("微信支付")
    order.locator("[data-test=order-pay]").click()  # switch to Alipay for the same order
    page.wait_for_url(re.compile(r"/sandbox/cashier/"))
