"""Staff refunds through the (offline sandbox) gateway, and the finance CSV export."""

import csv
import io
from decimal import Decimal

import pytest
from django.http import StreamingHttpResponse
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.orders.models import Order
from luffy.payments.models import Refund
from luffy.users.credits import credit_change
from luffy.users.models import CreditEntry
from tests.order_fixtures import checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(sandbox, auth_client, user, make_course, in_cart) -> Order:
    """A 90.00 order (100 - 100 credit points) paid at the sandbox cashier, 30-day access."""
    # Granted with a ledger row, so the books check balances after any refund of this order.
    credit_change(user_id=user.id, amount=100, reason=CreditEntry.Reason.GRANT)
    course = make_course(price="0", options=[(30, "100.00")])
    in_cart(auth_client, course)
    order = Order.objects.get(order_number=checkout(auth_client, credit=100).json()["order_number"])
    sandbox.faults(drop_notify=20)
    url = auth_client.get(f"/api/payments/alipay/?order_number={order.order_number}").json()["url"]
    cashier, _ = sandbox.open_cashier(url)
    assert sandbox.press(cashier, "pay")[0] == 302
    from luffy.payments.services import payment_query

    assert payment_query(order=order) == "settled"
    order.refresh_from_db()
    return order


def refund(admin_client, order, amount="", reason="customer asked"):
    return admin_client.post(
        "/admin/orders/order/",
        {"action": "refund", "_selected_action": [order.id], "apply": "1",
         "amount": amount, "reason": reason},
        follow=True,
    )  # fmt: skip


def test_partial_then_full_refund(admin_client, sandbox, user, paid_order):
    purchase = CoursePurchase.objects.get(user=user)
    ends = purchase.expires_at
    response = refund(admin_client, paid_order, amount="30.00")
    assert "已退款 30.00" in response.content.decode()  # the admin speaks Chinese (issue 15)
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.PAID  # a partial refund keeps the order and access
    assert sandbox.trade(paid_order.order_number)["refund_fee"] == "30.00"

    response = refund(admin_client, paid_order)  # the rest
    assert "已退款 60.00" in response.content.decode()
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED
    assert sandbox.trade(paid_order.order_number)["status"] == "TRADE_CLOSED"
    assert [r.amount for r in Refund.objects.order_by("id")] == [Decimal("30.00"), Decimal("60.00")]
    purchase.refresh_from_db()
    assert purchase.expires_at <= timezone.now() < ends  # access ended
    user.refresh_from_db()
    assert user.credit == 100  # the spent credit came back
    assert CreditEntry.objects.filter(reason="order_refund", order=paid_order).count() == 1


def test_too_much_is_refused(admin_client, paid_order):
    response = refund(admin_client, paid_order, amount="90.01")
    assert "不超过 90.00".encode() in response.content
    assert not Refund.objects.exists()


def test_unpaid_order_cannot_be_refunded(admin_client, auth_client, make_course, in_cart):
    in_cart(auth_client, make_course())
    order = Order.objects.get(order_number=checkout(auth_client).json()["order_number"])
    assert "只有已支付的订单可以退款".encode() in refund(admin_client, order).content


def test_gateway_down_then_retried_as_the_same_refund(admin_client, sandbox, paid_order):
    sandbox.faults(api_unavailable=3)
    response = refund(admin_client, paid_order, amount="10.00")
    assert "可稍后重试" in response.content.decode()  # 退款已记录，可稍后重试
    pending = Refund.objects.get()
    assert pending.status == Refund.Status.REQUESTED
    sandbox.request("/sandbox/faults/", method="DELETE")
    response = refund(admin_client, paid_order, amount="55.00")  # retries the pending one
    assert "已退款 10.00" in response.content.decode()
    assert Refund.objects.get().status == Refund.Status.SUCCEEDED
    assert sandbox.trade(paid_order.order_number)["refund_fee"] == "10.00"


def test_csv_export(admin_client, auth_client, make_course, in_cart):
    in_cart(auth_client, make_course(name="数据结构"))
    order = Order.objects.get(order_number=checkout(auth_client).json()["order_number"])
    response = admin_client.post(
        "/admin/orders/order/", {"action": "export_csv", "_selected_action": [order.id]}
    )
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 1
    # Chinese headers and statuses since issue 15 (the export is for the store's finance staff).
    assert rows[0]["订单号"] == order.order_number
    assert rows[0]["标题"] == "数据结构" and rows[0]["实付金额"] == "100.00"
    assert rows[0]["状态"] == "未支付"


# --- The back office's order page, roles and export (issue 15) ---------------------------------


@pytest.fixture
def staff(make_user, client):
    """staff("财务") -> a Django test client logged in as a staff member of that role's group."""
    from django.contrib.auth.models import Group
    from django.test import Client

    def make(role: str):
        member = make_user(is_staff=True)
        member.groups.add(Group.objects.get(name=role))
        browser = Client()
        browser.force_login(member)
        browser.user = member
        return browser

    return make


def test_order_page_refund_button_records_who(staff, sandbox, paid_order):
    finance = staff("财务")
    page = finance.get(f"/admin/orders/order/{paid_order.id}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert f"/admin/orders/order/{paid_order.id}/refund/" in html and "退款" in html
    form = finance.get(f"/admin/orders/order/{paid_order.id}/refund/")
    assert "¥90.00" in form.content.decode()  # the refundable amount

    done = finance.post(
        f"/admin/orders/order/{paid_order.id}/refund/",
        {"amount": "30.00", "reason": "课程不满意"},
        follow=True,
    )
    assert "已退款 30.00" in done.content.decode()
    assert "¥60.00" in finance.get(f"/admin/orders/order/{paid_order.id}/refund/").content.decode()
    listing = finance.get("/admin/orders/order/").content.decode()
    assert "部分退款" in listing and "30.00" in listing and "60.00" in listing

    finance.post(f"/admin/orders/order/{paid_order.id}/refund/", {"amount": "", "reason": "全退"})
    refunds = list(Refund.objects.order_by("id"))
    assert [r.staff_user_id for r in refunds] == [finance.user.id, finance.user.id]
    change = paid_order.status_changes.latest("id")
    assert (change.to_status, change.staff_user_id) == (Order.Status.REFUNDED, finance.user.id)
    page = finance.get(f"/admin/orders/order/{paid_order.id}/change/").content.decode()
    assert "退款记录" in page and "状态记录" in page and finance.user.username in page


def test_staff_notes_are_the_only_editable_field(staff, paid_order):
    finance = staff("财务")
    response = finance.post(
        f"/admin/orders/order/{paid_order.id}/change/",
        {"staff_note": "用户来电，已说明退款规则", "real_price": "0.01",
         **_empty_inlines(paid_order)},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    paid_order.refresh_from_db()
    assert paid_order.staff_note == "用户来电，已说明退款规则"
    assert paid_order.real_price == Decimal("90.00")


def _empty_inlines(order) -> dict:
    data = {}
    for prefix, count in (("lines", order.lines.count()), ("status_changes",
                          order.status_changes.count()), ("refunds", 0), ("trades",
                          order.trades.count())):  # fmt: skip
        data.update({f"{prefix}-TOTAL_FORMS": count, f"{prefix}-INITIAL_FORMS": count})
    for n, line in enumerate(order.lines.all()):
        data[f"lines-{n}-id"] = line.id
    for n, change in enumerate(order.status_changes.all()):
        data[f"status_changes-{n}-id"] = change.id
    for n, trade in enumerate(order.trades.all()):
        data[f"trades-{n}-id"] = trade.id
    return data


def test_operations_cannot_refund(staff, paid_order):
    operations = staff("运营")
    assert operations.get(f"/admin/orders/order/{paid_order.id}/refund/").status_code == 403
    operations.post(f"/admin/orders/order/{paid_order.id}/refund/", {"reason": "x"})
    operations.post("/admin/orders/order/", {"action": "refund", "apply": "1", "reason": "x",
                                             "_selected_action": [paid_order.id]})  # fmt: skip
    assert not Refund.objects.exists()


def test_support_reads_orders_but_cannot_refund_or_export(staff, paid_order):
    support = staff("客服")
    page = support.get(f"/admin/orders/order/{paid_order.id}/change/")
    assert page.status_code == 200
    assert f"/admin/orders/order/{paid_order.id}/refund/" not in page.content.decode()
    assert support.get(f"/admin/orders/order/{paid_order.id}/refund/").status_code == 403
    support.post("/admin/orders/order/", {"action": "refund", "apply": "1", "reason": "x",
                                          "_selected_action": [paid_order.id]})  # fmt: skip
    assert not Refund.objects.exists()
    export = support.post(
        "/admin/orders/order/", {"action": "export_csv", "_selected_action": [paid_order.id]}
    )
    assert not export.get("Content-Type", "").startswith("text/csv")
    assert support.get(f"/admin/users/user/{paid_order.user_id}/change/").status_code == 200


def test_support_cannot_change_prices(staff, make_course):
    course = make_course(price="100.00")
    support = staff("客服")
    assert support.get(f"/admin/catalog/course/{course.id}/change/").status_code == 200  # reads
    response = support.post(
        f"/admin/catalog/course/{course.id}/change/", {"name": course.name, "price": "1.00"}
    )
    assert response.status_code == 403
    course.refresh_from_db()
    assert course.price == Decimal("100.00")


def test_csv_export_has_refunds_and_local_times(staff, paid_order):
    finance = staff("财务")
    finance.post(f"/admin/orders/order/{paid_order.id}/refund/", {"amount": "30", "reason": "r"})
    response = finance.post(
        "/admin/orders/order/", {"action": "export_csv", "_selected_action": [paid_order.id]}
    )
    assert isinstance(response, StreamingHttpResponse)
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    row = next(csv.DictReader(io.StringIO(text)))
    assert (row["实付金额"], row["已退金额"], row["净收入"]) == ("90.00", "30.00", "60.00")
    assert row["状态"] == "部分退款"
    assert row["支付时间"] == timezone.localtime(paid_order.paid_at).strftime("%Y-%m-%d %H:%M:%S")


def test_the_back_office_finds_and_exports_an_order_by_its_gateway_trade_number(
    admin_client, paid_order
):
    """The trade number lives on payments.Trade (issue 12): the order list searches it and the
    CSV export carries it."""
    trade_no = paid_order.trades.get().trade_no
    assert trade_no
    found = admin_client.get("/admin/orders/order/", {"q": trade_no})
    assert paid_order.order_number in found.content.decode()
    response = admin_client.post(
        "/admin/orders/order/", {"action": "export_csv", "_selected_action": [paid_order.id]}
    )
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [row["支付平台交易号"] for row in csv.DictReader(io.StringIO(text))] == [trade_no]


QUERIES_ORDER_LIST = 9


def extra_orders(user, count: int) -> None:
    """`count` more paid orders of `user`, one of them partly refunded (list rows only)."""
    now = timezone.now()
    Order.objects.bulk_create(
        Order(order_number=f"EXTRA{i:04d}", user=user, title=f"课程 {i}", status=Order.Status.PAID,
              total_price="50.00", discounted_price="50.00", real_price="50.00",
              refunded_amount="20.00" if i == 0 else "0.00", pay_deadline=now, paid_at=now)
        for i in range(count)
    )  # fmt: skip


def test_the_order_list_shows_refunds_from_the_order_in_constant_queries(
    staff, user, paid_order, django_assert_num_queries
):
    """The list reads Order.refunded_amount (the one owner of what was refunded): 部分退款, the
    refunded and net columns, in the same number of queries for 2 orders or 30."""
    finance = staff("财务")
    finance.post(f"/admin/orders/order/{paid_order.id}/refund/", {"amount": "30", "reason": "r"})
    extra_orders(user, 1)
    finance.get("/admin/orders/order/")  # warm the content types cache
    # session, user, the user's and the groups' permissions, the filtered and the total count,
    # the page's orders (with their buyers, no refund subquery), the date hierarchy's range and
    # its days
    with django_assert_num_queries(QUERIES_ORDER_LIST):
        page = finance.get("/admin/orders/order/").content.decode()
    assert page.count("部分退款") >= 2
    for amount in ("90.00", "30.00", "60.00", "20.00"):
        assert amount in page
    Order.objects.bulk_create(
        Order(order_number=f"MORE{i:04d}", user=user, title="更多", status=Order.Status.UNPAID,
              total_price="1.00", discounted_price="1.00", real_price="1.00",
              pay_deadline=timezone.now())
        for i in range(28)
    )  # fmt: skip
    with django_assert_num_queries(QUERIES_ORDER_LIST):
        finance.get("/admin/orders/order/")


def test_a_refund_confirmed_by_two_paths_counts_once(sandbox, paid_order, monkeypatch):
    """The refund's notify (or a query) and the refund call's own answer can both report one
    success: whichever records it first moves the order's refunded total, the other does not,
    and a late failure answer never overwrites the success."""
    from luffy.payments.services.refunds import _refund_ask, refund_record_succeeded

    refund = Refund.objects.create(
        order=paid_order, gateway="alipay", out_request_no=f"{paid_order.order_number}R1",
        amount=Decimal("30.00"), reason="课程不满意",
    )  # fmt: skip
    assert refund_record_succeeded(refund=refund)  # e.g. its notify came first
    assert not refund_record_succeeded(refund=refund)
    assert _refund_ask(refund=refund)  # then the call's answer (the sandbox refunds it)
    paid_order.refresh_from_db()
    assert paid_order.refunded_amount == Decimal("30.00")
    assert refund.status == Refund.Status.SUCCEEDED
    # A stale refusal arriving after the success leaves the success (and the total) alone.
    from luffy.payments.gateway import RefundAnswer

    refused = type("Refusing", (), {"refund": lambda self, **_: RefundAnswer(succeeded=False)})
    monkeypatch.setattr("luffy.payments.services.refunds.gateway_for", lambda kind: refused())
    assert _refund_ask(refund=refund)
    paid_order.refresh_from_db()
    assert refund.status == Refund.Status.SUCCEEDED
    assert paid_order.refunded_amount == Decimal("30.00")


def test_a_whole_refund_confirmed_only_by_its_notify_is_finished_by_the_refund_button(
    sandbox, paid_order
):
    """The refund's answer was lost and its notify confirmed it: the money is back but the
    order still reads paid. Pressing 退款 again marks it refunded, without a second refund."""
    from luffy.payments.services import order_refund
    from luffy.payments.services.refunds import refund_record_succeeded

    refund = Refund.objects.create(
        order=paid_order, gateway="alipay", out_request_no=f"{paid_order.order_number}R1",
        amount=paid_order.real_price, reason="课程不满意",
    )  # fmt: skip
    assert refund_record_succeeded(refund=refund)
    assert order_refund(order_id=paid_order.id, reason="课程不满意") == refund
    paid_order.refresh_from_db()
    assert paid_order.status == Order.Status.REFUNDED
    assert Refund.objects.filter(order=paid_order).count() == 1
    assert sandbox.trade(paid_order.order_number)["refund_fee"] in ("0.00", "0", None)
