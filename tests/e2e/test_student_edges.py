"""The student's side at the edges, in a real browser: refunds shown on my orders and my
courses, the result page while Alipay cannot be reached, and a cancelled order's courses put
back in the cart."""

import re

import pytest

from tests.e2e.conftest import login
from tests.e2e.test_checkout import add_to_cart, backend, option
from tests.live_sandbox import Sandbox

pytestmark = pytest.mark.e2e

COURSE_REFUNDED = "Go 语言基础"  # 189.00 permanent, no sale
COURSE_PENDING = "Vue 3 从入门到实战"
COURSE_GIVE_UP = "前端工程化"
COURSE_BACK = "Docker 与 Kubernetes"  # ordered for a month, cancelled, put back
COURSE_OWNED_SINCE = "Go 微服务实战"  # ordered, cancelled, then given: not put back
RESULT_API = re.compile(r"/api/payments/alipay/result/")
PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def buyer(store) -> str:
    return store.register()


@pytest.fixture
def sandbox(store):
    """The store's offline Alipay sandbox, its faults cleared again after the test."""
    control = Sandbox(
        f"http://127.0.0.1:{store.env['ALIPAY_SANDBOX_PORT']}",
        (store.var_dir / "alipay_sandbox_control_token").read_text().strip(),
    )
    yield control
    control.request("/sandbox/faults/", method="DELETE")


def to_cashier(page, store, course: str) -> None:
    add_to_cart(page, store, course)
    page.goto("/checkout")
    page.locator("[data-test=checkout-line]").first.wait_for()
    page.locator("[data-test=pay]").click()
    page.wait_for_url(re.compile(r"/sandbox/cashier/"))


def refund(store, order_number: str, amount: str | None) -> None:
    backend(
        store,
        "from decimal import Decimal; from luffy.orders.models import Order; "
        "from luffy.payments.services import order_refund; "
        f"o = Order.objects.get(order_number={order_number!r}); "
        f"order_refund(order_id=o.id, amount={None if amount is None else f'Decimal({amount!r})'},"
        " reason='学员申请退款')",
    )


def test_refunds_show_on_my_orders_and_my_courses(page, store, buyer, shot):
    from playwright.sync_api import expect

    login(page, buyer)
    to_cashier(page, store, COURSE_REFUNDED)
    page.get_by_role("button", name="确认付款").click()
    page.locator("[data-test=result-paid]").wait_for(timeout=20_000)
    number = page.locator("[data-test=result-order]").inner_text()
    paid = page.locator("[data-test=result-amount]").inner_text()  # ¥189.00

    refund(store, number, "100.00")  # a partial refund: the order stays paid
    page.goto("/my/orders")
    order = page.locator(f"[data-test=order][data-order='{number}']")
    expect(order.locator("[data-test=order-status]")).to_have_text("已支付")
    expect(order.locator("[data-test=order-refunded]")).to_have_text("已退款 ¥100.00")
    expect(order.locator("[data-test=order-refunded-at]")).to_contain_text("退款")
    shot("student-partial-refund")

    refund(store, number, None)  # the rest
    page.reload()
    expect(order.locator("[data-test=order-status]")).to_have_text("已退款")
    expect(order.locator("[data-test=order-refunded]")).to_have_text(f"已退款 {paid}")
    expect(order.locator("[data-test=order-amount-label]")).to_have_text("实付")
    expect(order.locator("[data-test=order-refunded-at]")).to_contain_text(
        re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}.*退款")
    )
    page.get_by_role("tab", name="已退款").click()
    expect(page.locator("[data-test=order]")).to_have_count(1)
    shot("student-refunded-order")

    page.goto("/my/courses")
    course = page.locator("[data-test=my-course]").filter(has_text=COURSE_REFUNDED)
    expect(course.locator("[data-test=course-badge]")).to_have_text("已退款")
    expect(course.locator("[data-test=course-validity]")).to_contain_text("退款")
    expect(course.locator("[data-test=course-renew]")).to_have_count(0)
    expect(course.locator("[data-test=course-view]")).to_be_visible()
    shot("student-refunded-course")
    course.locator("[data-test=course-view]").click()
    page.locator("[data-test=refunded]").wait_for()
    expect(page.get_by_role("button", name="立即购买")).to_be_visible()


def test_result_page_keeps_checking_while_alipay_is_unreachable(page, store, buyer, sandbox, shot):
    from playwright.sync_api import expect

    login(page, buyer)
    to_cashier(page, store, COURSE_PENDING)
    # Paid at the cashier, but the notify is lost and every query gets an HTTP 503 for now.
    sandbox.faults(drop_notify=20, http_503=1000)
    page.get_by_role("button", name="确认付款").click()
    page.wait_for_url(re.compile(r"/payments/result\?"))
    checking = page.locator("[data-test=result-checking]")
    expect(checking).to_contain_text("支付结果确认中")
    expect(page.locator("[data-test=result-checking-hint]")).to_contain_text("暂时无法连接支付宝")
    expect(page.locator("[data-test=result-failed]")).to_have_count(0)
    assert "暂时无法确认支付结果" not in page.content()
    shot("student-result-checking")

    sandbox.request("/sandbox/faults/", method="DELETE")  # Alipay answers again
    page.locator("[data-test=result-paid]").wait_for(timeout=30_000)
    expect(page.locator("[data-test=result-course]")).to_have_text(re.compile(COURSE_PENDING))


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_result_page_says_so_after_about_two_minutes(page, store, buyer, sandbox, shot):
    from playwright.sync_api import expect

    login(page, buyer)
    to_cashier(page, store, COURSE_GIVE_UP)
    sandbox.faults(drop_notify=20, http_503=1000)
    page.clock.install()  # the page's re-check timers run on a clock the test moves
    page.get_by_role("button", name="确认付款").click()
    page.wait_for_url(re.compile(r"/payments/result\?"))
    page.locator("[data-test=result-checking]").wait_for()
    pending = page.locator("[data-test=result-pending]")
    asked, answered = [], []
    page.on("request", lambda r: RESULT_API.search(r.url) and asked.append(r))
    page.on("requestfinished", lambda r: RESULT_API.search(r.url) and answered.append(r))
    waited = 0  # on the page's clock: the gateway's answers take real time, not counted
    while not pending.is_visible():
        assert waited < 180_000, "still checking after three minutes"
        page.clock.run_for(1_000)
        waited += 1_000
        page.wait_for_timeout(30)
        while len(answered) < len(asked):  # a re-check is on its way: let it come back
            page.wait_for_timeout(30)
        page.wait_for_timeout(30)  # and render
    assert 100_000 <= waited <= 140_000  # about two minutes of re-checking, then it says so
    expect(pending).to_contain_text("已自动查询 13 次")  # the first check and 12 more
    expect(pending).to_contain_text("暂未确认支付结果")
    expect(pending).to_contain_text("暂时无法连接支付宝")
    expect(pending).to_contain_text("我的订单")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    shot("student-result-gave-up-phone")
    page.locator("[data-test=result-orders]").click()
    page.wait_for_url("**/my/orders")


def test_a_cancelled_orders_courses_go_back_in_the_cart(page, store, buyer, shot):
    from playwright.sync_api import expect

    login(page, buyer)
    add_to_cart(page, store, COURSE_BACK)
    add_to_cart(page, store, COURSE_OWNED_SINCE)
    page.goto("/cart")
    line = page.locator("[data-test=cart-line]").filter(has_text=COURSE_BACK)
    line.locator("[data-test=expire-select]").click()
    page.locator(".el-select-dropdown__item:visible", has_text="1个月有效").click()
    month = option(store, COURSE_BACK, "1个月有效")
    expect(line.locator("[data-test=line-price]")).to_have_text(f"¥{month['real_price']}")
    page.goto("/checkout")
    expect(page.locator("[data-test=checkout-line]")).to_have_count(2)
    page.locator("[data-test=pay]").click()
    page.wait_for_url(re.compile(r"/sandbox/cashier/"))
    page.get_by_role("button", name="取消").click()

    page.goto("/my/orders?status=0")
    order = page.locator("[data-test=order]").filter(has_text=COURSE_BACK)
    number = order.get_attribute("data-order")
    order.locator("[data-test=order-cancel]").click()
    page.locator(".el-message-box").get_by_role("button", name="取消订单").click()
    offer = page.locator("[data-test=put-back-offer]")
    expect(offer).to_contain_text(number)
    shot("student-put-back-offer")

    # Meanwhile one of the two courses was given to the buyer: it is not put back.
    store.grant(buyer, _course_id(store, COURSE_OWNED_SINCE), None)
    offer.locator("[data-test=put-back]").click()
    box = page.locator(".put-back-result")
    expect(box).to_contain_text("已放回购物车 1 门课程")
    expect(box).to_contain_text(f"「{COURSE_OWNED_SINCE}」")
    shot("student-put-back-result")
    box.get_by_role("button", name="知道了").click()

    page.goto("/cart")
    lines = page.locator("[data-test=cart-line]")
    expect(lines).to_have_count(1)
    expect(lines.first).to_contain_text(COURSE_BACK)
    expect(lines.first.locator("[data-test=expire-select]")).to_contain_text("1个月有效")

    # A cancelled order keeps the button.
    page.goto("/my/orders?status=2")
    again = page.locator(f"[data-test=order][data-order='{number}'] [data-test=order-to-cart]")
    again.click()
    page.get_by_text("已放回购物车").first.wait_for()


def _course_id(store, name: str) -> int:
    from tests.e2e.test_store import course_id

    return course_id(store, name)


COURSE_PARTLY_ON_SALE = "Python 爬虫开发"  # 限时折扣 from ¥100: not its ¥49.75 month


@pytest.mark.parametrize("page", [None, PHONE], indirect=True, ids=["desktop", "phone"])
def test_the_course_page_names_the_options_a_sale_covers(page, store, shot):
    from playwright.sync_api import expect

    page.goto(f"/courses/{_course_id(store, COURSE_PARTLY_ON_SALE)}")
    expect(page.locator("[data-test=sale-scope]")).to_have_text("仅限 3个月有效、永久有效")
    expect(page.locator("[data-test=option-on-sale]")).to_have_count(2)
    assert (
        page.evaluate("() => document.documentElement.scrollWidth") <= page.viewport_size["width"]
    )
    shot(f"student-sale-scope-{page.viewport_size['width']}")


@pytest.mark.parametrize("page", [PHONE], indirect=True)
def test_phone_layout_of_the_edges(page, store, buyer, shot):
    """After the tests above: a refunded order, a cancelled one, a refunded course."""
    login(page, buyer)
    for path, ready, name in [
        ("/my/orders", "[data-test=order]", "student-phone-my-orders"),
        ("/my/orders?status=4", "[data-test=order-refunded]", "student-phone-refunded"),
        ("/my/orders?status=2", "[data-test=order-to-cart]", "student-phone-cancelled"),
        ("/my/courses", "[data-test=my-course]", "student-phone-my-courses"),
    ]:
        page.goto(path)
        page.locator(ready).first.wait_for()
        assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"], path
        shot(name)


def test_one_sms_code_field_on_the_four_pages(page, store, buyer):
    """The shared SmsCodeInput: a malformed number is caught before anything is sent; a good
    one gets a code for the page's purpose, and the button counts down. One number per page:
    a number gets one code a minute."""
    from playwright.sync_api import expect

    for path, mobile in [
        ("/register", store.new_mobile()),
        ("/login/sms", store.register()),
        ("/password/forgot", store.register()),
    ]:
        page.goto(path)
        page.locator("[data-test=mobile]").fill("123")
        page.locator("[data-test=send-code]").click()
        page.get_by_text("手机号格式不正确").wait_for()
        page.locator("[data-test=mobile]").fill(mobile)
        page.locator("[data-test=send-code]").click()
        expect(page.locator("[data-test=send-code]")).to_have_text(re.compile(r"\d+ 秒后重发"))
        assert store.sms_code(mobile), path
    login(page, buyer)
    page.goto("/my/profile")
    other = store.new_mobile()
    page.locator("[data-test=new-mobile]").fill(other)
    page.locator("[data-test=send-mobile-code]").click()
    expect(page.locator("[data-test=send-mobile-code]")).to_have_text(re.compile(r"\d+ 秒后重发"))
    assert store.sms_code(other)
