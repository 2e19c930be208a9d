"""Checkout to courses in a real browser: coupon and credit, the offline Alipay sandbox's
cashier, the result page, my orders / courses / coupons / credits, and cancelling."""

import re
import subprocess
import sys
from decimal import Decimal

import pytest

from tests.e2e.conftest import ROOT, login
from tests.e2e.test_store import COURSE_A, COURSE_B, course_id

pytestmark = pytest.mark.e2e

COURSE_C = "Shell 脚本编程"  # ordered, then cancelled
COURSE_D = "TypeScript 精讲"  # never bought


def backend(store, code: str) -> None:
    """Run Python in the store's environment (manage.py shell), as staff would."""
    subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=store.env, check=True
    )


def give_coupons_and_credit(store, mobile: str) -> None:
    """A 20-yuan coupon, one that needs a large order, one that has expired, and 500 points."""
    backend(
        store,
        "from datetime import timedelta; from django.utils import timezone; "
        "from luffy.coupons.models import Coupon; from luffy.coupons.services import coupon_grant; "
        "from luffy.users.models import User; from luffy.users.credits import credit_change; "
        f"u = User.objects.get(mobile={mobile!r}); "
        "make = lambda name, sale, low, days: Coupon.objects.create(name=name, type=1, "
        "sale=sale, min_amount=low, valid_days=days); "
        "coupon_grant(coupon=make('新人立减券', '-20', 0, 30), user_ids=[u.id]); "
        "coupon_grant(coupon=make('满万减千券', '-1000', 10000, 30), user_ids=[u.id]); "
        "coupon_grant(coupon=make('过期体验券', '-5', 0, 7), user_ids=[u.id], "
        "start=timezone.now() - timedelta(days=10)); "
        "credit_change(user_id=u.id, amount=500, reason='grant')",
    )


def add_to_cart(page, store, name: str) -> None:
    page.goto(f"/courses/{course_id(store, name)}")
    page.locator("[data-test=add-to-cart]").click()
    page.get_by_text("已加入购物车").wait_for()


def option(store, name: str, text: str | None) -> dict:
    options = store.api("GET", f"/api/courses/{course_id(store, name)}/")["expire_options"]
    return next(o for o in options if (o["text"] == text if text else o["id"] == 0))


@pytest.fixture(scope="module")
def buyer(store) -> str:
    mobile = store.register()
    give_coupons_and_credit(store, mobile)
    return mobile


def test_checkout_pay_and_study(page, store, buyer, shot):
    from playwright.sync_api import expect

    login(page, buyer)
    page.goto("/courses")
    page.locator("[data-test=course-card]").first.wait_for()
    add_to_cart(page, store, COURSE_A)
    add_to_cart(page, store, COURSE_B)
    page.goto("/cart")
    line = page.locator("[data-test=cart-line]").filter(has_text=COURSE_A)
    line.locator("[data-test=expire-select]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="1个月有效").click()
    month = option(store, COURSE_A, "1个月有效")
    expect(line.locator("[data-test=line-price]")).to_have_text(f"¥{month['real_price']}")
    page.get_by_role("button", name="去结算").click()

    # Checkout shows the server's breakdown: two lines, only the coupon that fits (the best one,
    # preselected), the credit cap in words; every change asks the server again.
    page.wait_for_url("**/checkout")
    expect(page.locator("[data-test=checkout-line]")).to_have_count(2)
    total = Decimal(month["real_price"]) + Decimal(option(store, COURSE_B, None)["real_price"])
    usable = page.locator("[data-test=coupon-usable]")
    expect(usable).to_have_count(1)  # not the one needing 10000, not the expired one
    expect(usable).to_contain_text("新人立减券")
    expect(usable).to_have_class(re.compile(r"is-checked"))  # the best one, preselected
    expect(usable.locator("[data-test=coupon-best]")).to_have_text("最优")
    expect(page.locator("[data-test=coupon-amount]")).to_have_text("-¥20.00")
    expect(page.locator("[data-test=final-price]")).to_have_text(f"¥{total - 20}")
    expect(page.locator("[data-test=credit-cap]")).to_have_text("最多可用 500 积分（可抵 ¥50.00）")
    page.locator("[data-test=coupon-none]").click()
    expect(page.locator("[data-test=coupon-amount]")).to_have_text("-¥0.00")
    expect(page.locator("[data-test=final-price]")).to_have_text(f"¥{total}")
    usable.click()
    expect(page.locator("[data-test=coupon-amount]")).to_have_text("-¥20.00")
    credit = page.locator("[data-test=credit-input] input")
    credit.fill("300")
    credit.press("Tab")
    expect(page.locator("[data-test=credit-money]")).to_have_text("-¥30.00")
    real_price = total - 20 - 30
    expect(page.locator("[data-test=final-price]")).to_have_text(f"¥{real_price}")
    expect(page.locator("[data-test=pay]")).to_be_enabled()  # the preview has answered
    shot("checkout")

    # Pay at the offline sandbox's cashier; its return lands on the result page.
    page.locator("[data-test=pay]").click()
    page.wait_for_url(re.compile(r"/sandbox/cashier/"))
    assert page.locator("#total-amount").inner_text() == str(real_price)
    shot("sandbox-cashier")
    page.get_by_role("button", name="确认付款").click()
    page.wait_for_url(re.compile(r"/payments/result\?"))
    paid = page.locator("[data-test=result-paid]")
    paid.wait_for(timeout=20_000)
    expect(page.locator("[data-test=result-amount]")).to_have_text(f"¥{real_price}")
    expect(page.locator("[data-test=result-course]")).to_have_count(2)
    order_number = page.locator("[data-test=result-order]").inner_text()
    shot("payment-result")
    page.reload()  # a replayed return shows the same success
    page.locator("[data-test=result-paid]").wait_for(timeout=20_000)
    page.locator("[data-test=user-menu]").click()
    page.get_by_text(re.compile(r"^积分.200$")).wait_for()  # the balance followed the payment
    page.keyboard.press("Escape")

    # My orders: paid, with both lines.
    page.goto("/my/orders")
    order = page.locator(f"[data-test=order][data-order='{order_number}']")
    expect(order.locator("[data-test=order-status]")).to_have_text("已支付")
    expect(order.locator("[data-test=order-real-price]")).to_have_text(f"¥{real_price}")
    expect(order.locator("[data-test=order-study]")).to_have_count(2)
    shot("my-orders-paid")

    # My courses: both active, one for a month, one permanent.
    page.goto("/my/courses")
    courses = page.locator("[data-test=my-course]")
    expect(courses).to_have_count(2)
    expect(
        courses.filter(has_text=COURSE_A).locator("[data-test=course-validity]")
    ).to_contain_text("有效期至")
    expect(courses.filter(has_text=COURSE_B).locator("[data-test=course-validity]")).to_have_text(
        "永久有效"
    )
    expect(page.locator("[data-test=course-badge]").first).to_have_text("学习中")
    shot("my-courses")

    # My coupons and credit history.
    page.goto("/my/coupons")
    page.get_by_role("tab", name=re.compile(r"^已使用.1.$")).click()
    page.locator("[data-test=my-coupon]:visible", has_text="新人立减券").wait_for()
    page.get_by_role("tab", name=re.compile(r"^已过期.1.$")).click()
    page.locator("[data-test=my-coupon]:visible", has_text="过期体验券").wait_for()
    page.get_by_role("tab", name=re.compile(r"^可使用.1.$")).click()
    shot("my-coupons")
    page.goto("/my/credits")
    expect(page.locator("[data-test=credit-balance]")).to_have_text("200")
    expect(page.locator("[data-test=credit-amount]")).to_have_text(["-300", "+500"])
    shot("my-credits")

    # Study: a paid lesson of a bought course opens; one of a course not bought is refused.
    page.goto("/my/courses")
    courses.filter(has_text=COURSE_B).locator("[data-test=course-study]").click()
    page.wait_for_url(f"**/player/{course_id(store, COURSE_B)}")
    page.locator("[data-test=paid-lesson]").first.click()
    page.locator("[data-test=lesson-open]").wait_for()
    page.goto(f"/player/{course_id(store, COURSE_D)}")
    page.locator("[data-test=paid-lesson]").first.click()
    page.locator("[data-test=lesson-refused]").wait_for()


def test_cancel_unpaid_order(page, store, buyer, shot):
    from playwright.sync_api import expect

    login(page, buyer)
    add_to_cart(page, store, COURSE_C)
    page.goto("/checkout")
    expect(page.locator("[data-test=checkout-line]")).to_have_count(1)
    page.locator("[data-test=pay]").click()
    page.wait_for_url(re.compile(r"/sandbox/cashier/"))
    page.get_by_role("button", name="取消").click()  # leave the cashier without paying

    page.goto("/my/orders")
    page.get_by_role("tab", name="待支付").click()
    page.wait_for_url(re.compile(r"status=0"))
    order = page.locator("[data-test=order]").filter(has_text=COURSE_C)
    expect(order.locator("[data-test=order-status]")).to_have_text("待支付")
    expect(order.locator("[data-test=time-left]")).to_contain_text(re.compile(r"剩余 \d+小时"))
    shot("my-orders-unpaid")
    order.locator("[data-test=order-cancel]").click()
    page.locator(".el-message-box").get_by_role("button", name="取消订单").click()
    page.get_by_text("订单已取消").wait_for()
    expect(page.locator("[data-test=orders-empty]")).to_be_visible()  # none left unpaid
    page.get_by_role("tab", name="已取消").click()
    expect(
        page.locator("[data-test=order]")
        .filter(has_text=COURSE_C)
        .locator("[data-test=order-status]")
    ).to_have_text("已取消")

    # Checkout again refuses nothing: the course left the cart with the order, so it is empty.
    page.goto("/checkout")
    page.locator("[data-test=checkout-empty]").wait_for()


def test_tampered_result_is_refused(page, store, buyer, shot):
    login(page, buyer)
    page.goto("/payments/result?out_trade_no=1&trade_no=2&total_amount=1.00&sign=forged")
    failed = page.locator("[data-test=result-failed]")
    failed.wait_for()
    assert "支付结果校验失败" in failed.inner_text()
    shot("payment-result-failed")


def test_expired_session_on_my_orders_goes_to_login(page, store, buyer):
    login(page, buyer)
    page.evaluate(
        "() => { localStorage.setItem('luffy.access', 'garbled'); "
        "localStorage.setItem('luffy.refresh', 'garbled'); }"
    )
    page.goto("/my/orders")
    page.wait_for_url(re.compile(r"/login\?redirect=(%2F|/)my(%2F|/)orders"))
    page.get_by_text("登录已过期").wait_for()


def change_price(store, name: str, by: str) -> None:
    """Every option of the course costs `by` more (staff editing prices)."""
    backend(
        store,
        "from decimal import Decimal; from django.db.models import F; "
        "from luffy.catalog.models import Course, CourseExpire; "
        f"c = Course.objects.get(name={name!r}); "
        f"Course.objects.filter(id=c.id, price__gt=0).update(price=F('price') + Decimal({by!r})); "
        f"CourseExpire.objects.filter(course=c).update(price=F('price') + Decimal({by!r}))",
    )


def test_a_price_change_shows_the_same_figures_on_the_page_and_in_the_dialog(page, store, shot):
    from playwright.sync_api import expect

    mobile = store.register()
    login(page, mobile)
    add_to_cart(page, store, COURSE_D)
    page.goto("/checkout")
    final = page.locator("[data-test=final-price]")
    expect(final).to_have_text(re.compile(r"^¥\d+\.\d\d$"))
    before = final.inner_text()
    change_price(store, COURSE_D, "10")
    try:
        page.locator("[data-test=pay]").click()
        dialog = page.locator(".el-message-box")
        expect(dialog).to_contain_text("价格已变动")
        expect(final).not_to_have_text(before)  # the page shows the new total ...
        expect(dialog).to_contain_text(final.inner_text())  # ... the one the dialog asks about
        shot("checkout-price-changed")
        dialog.get_by_role("button", name="再看看").click()
        expect(page.locator("[data-test=pay]")).to_be_enabled()
        backend(  # nothing placed without consent (fails the command otherwise)
            store,
            "from luffy.orders.models import Order; "
            f"assert not Order.objects.filter(user__mobile={mobile!r}).exists()",
        )
    finally:
        change_price(store, COURSE_D, "-10")


@pytest.mark.parametrize("page", [{"width": 390, "height": 844}], indirect=True)
def test_phone_checkout_with_coupon_and_credit(page, store, shot):
    from playwright.sync_api import expect

    mobile = store.register()
    give_coupons_and_credit(store, mobile)
    login(page, mobile)
    add_to_cart(page, store, COURSE_A)
    page.goto("/checkout")
    expect(page.locator("[data-test=coupon-amount]")).to_have_text("-¥20.00")  # preselected
    credit = page.locator("[data-test=credit-input] input")
    credit.fill("200")
    credit.press("Tab")
    expect(page.locator("[data-test=credit-money]")).to_have_text("-¥20.00")
    expect(page.locator("[data-test=pay]")).to_be_enabled()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390
    shot("phone-checkout-coupon-credit")
    page.evaluate("() => window.scrollTo(0, document.body.scrollHeight)")
    shot("phone-checkout-bottom", full_page=False)  # the sticky pay bar below the summary


@pytest.mark.parametrize("page", [{"width": 390, "height": 844}], indirect=True)
def test_phone_layout_of_new_pages(page, store, buyer, shot):
    login(page, buyer)
    add_to_cart(page, store, COURSE_D)
    # "buyer-": tests/e2e/test_phone.py saves phone-my-orders etc. for a student with none.
    for path, ready, name in [
        ("/checkout", "[data-test=checkout-line]", "buyer-phone-checkout"),
        ("/my/orders", "[data-test=order]", "buyer-phone-my-orders"),
        ("/my/courses", "[data-test=my-course]", "buyer-phone-my-courses"),
        ("/my/coupons", "[data-test=my-coupon]", "buyer-phone-my-coupons"),
        ("/my/credits", "[data-test=credit-table]", "buyer-phone-my-credits"),
    ]:
        page.goto(path)
        page.locator(ready).first.wait_for()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, path
        shot(name)


def test_an_owned_course_is_renewed_from_its_page(page, store, buyer, shot):
    """COURSE_A was bought for a month above: its page offers 续期, checkout labels the line."""
    from playwright.sync_api import expect

    login(page, buyer)
    page.goto(f"/courses/{course_id(store, COURSE_A)}")
    expect(page.locator("[data-test=owned]")).to_contain_text("续期后在此基础上顺延")
    page.locator("[data-test=expire-options]").get_by_text("1个月有效").click()
    page.locator("[data-test=renew]").click()
    page.wait_for_url("**/checkout")
    line = page.locator("[data-test=checkout-line]").filter(has_text=COURSE_A)
    expect(line.locator("[data-test=line-renewal]")).to_have_text("续期")
    expect(line).to_contain_text("续期后顺延")
    shot("checkout-renewal")
