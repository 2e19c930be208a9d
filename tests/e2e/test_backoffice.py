"""The back office in a real browser (issue 15): a finance operator logs in to the admin, reads
the dashboard, finds a paid order, refunds part of it with the order page's 退款 button and
exports the CSV. Runs under the store's real CSP: an Alpine.js expression the policy refused
would be a console error, which fails the test. Screenshots: var/e2e-artifacts/backoffice-*."""

import csv
import io
import re
import subprocess
import sys
from datetime import date, timedelta
from decimal import Decimal

import pytest

from tests.e2e.conftest import PASSWORD, ROOT, login
from tests.e2e.test_checkout import add_to_cart, backend
from tests.e2e.test_store import COURSE_B

pytestmark = pytest.mark.e2e
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def buy(page, store) -> str:
    """A student buys COURSE_B at the sandbox cashier; returns the order number."""
    buyer = store.register()
    login(page, buyer)
    add_to_cart(page, store, COURSE_B)
    page.goto("/cart")
    page.get_by_role("button", name="去结算").click()
    page.wait_for_url("**/checkout")
    page.locator("[data-test=pay]").click()
    page.wait_for_url(re.compile(r"/sandbox/cashier/"))
    page.get_by_role("button", name="确认付款").click()
    page.wait_for_url(re.compile(r"/payments/result\?"))
    page.locator("[data-test=result-paid]").wait_for(timeout=20_000)
    return page.locator("[data-test=result-order]").inner_text().strip()


def finance_operator(store) -> str:
    backend(
        store,
        "from django.contrib.auth.models import Group; from luffy.users.models import User; "
        "u = User.objects.create_user(username='caiwu', mobile='13700000015', "
        f"password={PASSWORD!r}, is_staff=True); u.groups.add(Group.objects.get(name='财务'))",
    )
    return "caiwu"


def test_operator_refunds_part_of_an_order_and_exports(page, store, shot):
    from playwright.sync_api import expect

    order_number = buy(page, store)
    username = finance_operator(store)
    page.context.clear_cookies()

    page.goto("/admin/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form [type=submit]").click()

    # The dashboard: today's card counts the payment; the chart is drawn.
    today = page.locator("[data-period=today]")
    expect(today).to_contain_text("今天")
    expect(today).to_contain_text("支付订单")
    expect(page.locator("canvas.chart")).to_be_visible()
    expect(page.get_by_text("即将超时的未支付订单")).to_be_visible()
    page.set_viewport_size(DESKTOP)
    shot("backoffice-dashboard")
    page.set_viewport_size(PHONE)
    shot("backoffice-dashboard-phone")
    page.set_viewport_size(DESKTOP)

    # Find the order and open it.
    page.goto(f"/admin/orders/order/?q={order_number}")
    page.get_by_role("link", name=order_number).click()
    page.wait_for_url(re.compile(r"/admin/orders/order/\d+/change/"))
    expect(page.get_by_text("已支付").first).to_be_visible()
    shot("backoffice-order")
    page.set_viewport_size(PHONE)
    shot("backoffice-order-phone")
    page.set_viewport_size(DESKTOP)

    # 退款: the form shows what may be refunded; refund a part of it.
    page.locator("a[href*='/orders/order/'][href$='/refund/']").click()  # the 退款 button
    page.wait_for_url(re.compile(r"/refund/$"))
    refundable = Decimal(page.locator("[data-refundable]").inner_text().lstrip("¥"))
    part = (refundable / 2).quantize(Decimal("0.01"))
    page.locator("#id_amount").fill(str(part))
    page.locator("#id_reason").fill("学员申请部分退款")
    shot("backoffice-refund-form")
    page.get_by_role("button", name="通过支付网关退款").click()
    page.wait_for_url(re.compile(r"/admin/orders/order/\d+/change/$"))
    expect(page.get_by_text(f"已退款 {part}")).to_be_visible()
    expect(page.get_by_text("部分退款").first).to_be_visible()
    expect(page.get_by_text("学员申请部分退款").first).to_be_visible()  # refund history
    shot("backoffice-order-refunded")

    # Export the order as CSV from the list.
    page.goto(f"/admin/orders/order/?q={order_number}")
    page.locator("input.action-select").first.check()
    page.locator("select[name=action]").select_option("export_csv")
    with page.expect_download() as download:
        page.locator("button[name=index]").click()
    text = download.value.path().read_bytes().decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert row["订单号"] == order_number
    assert row["状态"] == "部分退款"
    assert Decimal(row["已退金额"]) == part
    assert Decimal(row["净收入"]) == Decimal(row["实付金额"]) - part
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", row["支付时间"])


def test_the_dashboard_reads_closed_days_from_the_roll_up(page, store, shot):
    """An order paid three days ago, rolled up by the roll_up_sales command: the dashboard's top
    courses show it as the roll-up kept it, even after the line is renamed in the database."""
    from playwright.sync_api import expect

    backend(
        store,
        "from datetime import timedelta; from django.utils import timezone; "
        "from django.contrib.auth.models import Group; from luffy.catalog.models import Course; "
        "from luffy.orders.models import Order, OrderLine; from luffy.users.models import User; "
        "u = User.objects.create_user(username='huizong', mobile='13700000016', "
        f"password={PASSWORD!r}, is_staff=True); u.groups.add(Group.objects.get(name='财务')); "
        "c = Course.objects.get(name='Python 爬虫开发'); t = timezone.now() - timedelta(days=3); "
        "o = Order.objects.create(order_number='ROLLUP1', user=u, title=c.name, status=1, "
        "total_price='8888.00', discounted_price='8888.00', real_price='8888.00', "
        "pay_deadline=t + timedelta(hours=1), created_at=t, paid_at=t); "
        "OrderLine.objects.create(order=o, course=c, course_name='往日热销课', expire_id=0, "
        "expire_text='永久有效', expire_days=0, price='8888.00', real_price='8888.00')",
    )
    subprocess.run(
        [sys.executable, "manage.py", "roll_up_sales", "--since",
         (date.today() - timedelta(days=10)).isoformat()],
        cwd=ROOT, env=store.env, check=True,
    )  # fmt: skip
    backend(
        store,
        "from django.core.cache import cache; from luffy.orders.models import OrderLine; "
        "OrderLine.objects.filter(order__order_number='ROLLUP1').update(course_name='改名后'); "
        "cache.delete('backoffice:dashboard')",
    )
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.locator("#id_username").fill("huizong")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("form [type=submit]").click()
    top = page.locator("section", has_text="销售额最高的课程")
    expect(top.locator("tbody tr").first).to_contain_text("往日热销课")
    expect(top.locator("tbody tr").first).to_contain_text("¥8,888.00")
    expect(page.get_by_text("改名后")).to_have_count(0)
    expect(page.locator("canvas.chart")).to_be_visible()
    page.set_viewport_size(DESKTOP)
    shot("backoffice-dashboard-rolled-up")
    page.set_viewport_size(PHONE)
    shot("backoffice-dashboard-rolled-up-phone")
