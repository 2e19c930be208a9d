"""Orders that reached the cashier: past their deadline plus the grace margin they time out
without a gateway call (a payment that still arrives takes the late-payment path); inside it
the sweep asks first. Reconciliation pages through its whole window and resumes where a run
stopped. Against the offline Alipay sandbox; asking in the sweep's own thread (the threaded
asking and the claims: test_sweep_concurrency.py)."""

from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone

from luffy.orders.models import Order
from luffy.payments import alipay, services, tasks
from luffy.payments.books import books_check
from luffy.payments.models import PaymentMessage, Refund
from luffy.payments.services import jobs
from luffy.users.credits import credit_change
from luffy.users.models import CreditEntry, User
from tests.order_fixtures import checkout
from tests.payments.test_notify import notify_params

pytestmark = pytest.mark.django_db
S = Order.Status
GRACE = 300


@pytest.fixture(autouse=True)
def _grace(settings):
    settings.SWEEP_GATEWAY_GRACE_SECONDS = GRACE
    # the test's transaction is invisible to other threads: both jobs ask in their own
    settings.SWEEP_GATEWAY_WORKERS = settings.RECONCILE_GATEWAY_WORKERS = 1


@pytest.fixture
def place(sandbox, auth_client, user, make_course, in_cart, give_coupon):
    """An unpaid order (100.00 - a 10.00 coupon - 100 credit points); with `cashier`, its buyer
    opened Alipay's cashier (the sandbox holds its trade; the order is marked as sent to the
    gateway)."""
    credit_change(user_id=user.id, amount=1000, reason=CreditEntry.Reason.ADJUSTMENT)

    def make(*, cashier: bool = True) -> tuple[Order, str]:
        coupon = give_coupon(user, sale="-10")
        in_cart(auth_client, make_course(price="100.00"))
        number = checkout(auth_client, coupon_id=coupon.id, credit=100).json()["order_number"]
        cashier_url = ""
        if cashier:
            url = auth_client.get(f"/api/payments/alipay/?order_number={number}").json()["url"]
            cashier_url = sandbox.open_cashier(url)[0]
        return Order.objects.get(order_number=number), cashier_url

    return make


def past_deadline(order: Order, seconds: float) -> None:
    Order.objects.filter(id=order.id).update(
        pay_deadline=timezone.now() - timedelta(seconds=seconds)
    )


def gateway_messages(order: Order):
    """Every gateway query stores its answer: none means the gateway was not asked."""
    return PaymentMessage.objects.filter(out_trade_no=order.order_number, source="query")


def sweep() -> jobs.SweepReport:
    return services.orders_expire(now=timezone.now())


def test_past_the_grace_margin_times_out_without_a_call_and_a_late_payment_is_refunded_once(
    sandbox, api_client, place
):
    """The buyer paid at the cashier just before the deadline and every notify was lost; the
    sweep runs after the grace margin and does not ask. The notify arriving at last takes the
    late-payment path: the credit was spent meanwhile, so the money goes back, once."""
    order, cashier = place()
    sandbox.faults(drop_notify=20)
    assert sandbox.press(cashier, "pay")[0] == 302
    past_deadline(order, GRACE + 1)

    report = sweep()
    assert (report.timed_out, report.unasked, report.asked) == (1, 1, 0)
    order.refresh_from_db()
    assert order.status == S.TIMED_OUT
    assert not gateway_messages(order).exists()
    assert sandbox.trade(order.order_number)["status"] == "TRADE_SUCCESS"  # never closed there

    balance = User.objects.get(id=order.user_id).credit  # the credit is spent meanwhile
    credit_change(user_id=order.user_id, amount=-balance, reason=CreditEntry.Reason.ADJUSTMENT)
    params = notify_params(order, trade_no=sandbox.trade(order.order_number)["trade_no"])
    for _copy in range(2):  # the gateway retries
        response = api_client.post("/api/payments/alipay/result/", urlencode(params),
                                   content_type="application/x-www-form-urlencoded")  # fmt: skip
        assert response.content == b"success"
    order.refresh_from_db()
    assert order.status == S.REFUNDED
    refund = Refund.objects.get(order=order)
    assert refund.status == Refund.Status.SUCCEEDED and refund.out_request_no.endswith("LATE")
    outcomes = PaymentMessage.objects.filter(out_trade_no=order.order_number, source="notify")
    assert sorted(outcomes.values_list("outcome", flat=True)) == ["already_refunded", "refunded"]
    assert books_check() == []


def test_inside_the_grace_window_the_gateway_is_asked_and_the_trade_closed(sandbox, place):
    order, _ = place()
    past_deadline(order, GRACE - 60)
    report = sweep()
    assert (report.timed_out, report.unasked, report.asked, report.settled) == (1, 0, 1, 0)
    assert gateway_messages(order).get().outcome == "not_paid"
    assert sandbox.trade(order.order_number)["status"] == "TRADE_CLOSED"
    order.refresh_from_db()
    assert order.status == S.TIMED_OUT


def test_paid_inside_the_grace_window_is_settled(sandbox, place):
    order, cashier = place()
    sandbox.faults(drop_notify=20)
    assert sandbox.press(cashier, "pay")[0] == 302
    past_deadline(order, 10)
    report = sweep()
    assert (report.timed_out, report.asked, report.settled) == (0, 1, 1)
    order.refresh_from_db()
    assert order.status == S.PAID


def test_one_sweep_does_each_kind_and_says_so(sandbox, place):
    never_sent, _ = place(cashier=False)
    past_grace, _ = place()
    in_grace, _ = place()
    not_due, _ = place()
    past_deadline(never_sent, 3600)
    past_deadline(past_grace, 3600)
    past_deadline(in_grace, 30)
    report = sweep()
    assert report == jobs.SweepReport(timed_out=3, unasked=1, asked=1)
    assert [o.order_number for o in Order.objects.filter(status=S.TIMED_OUT).order_by("id")] == [
        never_sent.order_number, past_grace.order_number, in_grace.order_number,
    ]  # fmt: skip
    assert list(PaymentMessage.objects.values_list("out_trade_no", flat=True)) == [
        in_grace.order_number
    ]
    not_due.refresh_from_db()
    assert not_due.status == S.UNPAID


def test_gateway_down_leaves_the_grace_window_for_the_next_run(sandbox, place):
    first, _ = place()
    second, _ = place()
    past_deadline(first, 20)
    past_deadline(second, 10)
    sandbox.faults(api_unavailable=10)
    report = sweep()
    assert report.gateway_down and report.timed_out == 0
    assert report.asked == 1  # the first answer was "down": the second was not asked
    sandbox.request("/sandbox/faults/", method="DELETE")
    assert sweep().timed_out == 2


def test_out_of_time_the_sweep_stops_and_the_next_run_continues(sandbox, place):
    order, _ = place()
    past_deadline(order, 3600)
    report = services.orders_expire(now=timezone.now(), budget_seconds=0)
    assert report == jobs.SweepReport(complete=False)
    assert sweep().timed_out == 1


def test_the_tasks_keep_their_budgets_inside_their_locks():
    assert tasks.within_lock(10_000, tasks.SWEEP_LOCK_SECONDS) < tasks.SWEEP_LOCK_SECONDS
    assert tasks.within_lock(60, tasks.SWEEP_LOCK_SECONDS) == 60
    bound = tasks.RECONCILE_LOCK_SECONDS - jobs.GATEWAY_CLAIM_SECONDS
    assert tasks.within_lock(10**6, tasks.RECONCILE_LOCK_SECONDS) == bound


# --- reconciliation over its whole window -------------------------------------------------------


@pytest.fixture
def sent(place):
    """Five unpaid orders whose pay URL was issued (sent to Alipay), three of them paid at the
    cashier with every notify lost."""

    def make():
        return [place() for _ in range(5)]

    return make


def reconcile(**kwargs) -> dict:
    now = timezone.now()
    return services.payments_reconcile(now=now, paid_since=now - timedelta(hours=1), **kwargs)


def test_reconciliation_checks_every_order_in_its_window_page_by_page(sandbox, sent):
    placed = sent()
    sandbox.faults(drop_notify=20)
    for _order, cashier in placed[:3]:
        assert sandbox.press(cashier, "pay")[0] == 302
    report = reconcile(page_size=2)  # more orders than a page
    assert report["by_kind"] == {"unpaid": 5, "closed": 0, "paid": 0, "refunds": 0}
    assert (report["checked"], report["settled"], report["complete"]) == (5, 3, True)
    assert not report["resumed"]
    # The next run: the three settled ones are now checked among the paid ones.
    again = reconcile(page_size=2)
    assert again["by_kind"] == {"unpaid": 2, "closed": 0, "paid": 3, "refunds": 0}
    assert (again["settled"], again["flagged"], again["complete"]) == (0, 0, True)


def test_reconciliation_stopped_by_a_gateway_outage_resumes_where_it_stopped(
    sandbox, sent, monkeypatch
):
    placed = sent()
    asked: list[str] = []
    real_query = alipay.AlipayGateway.query

    def query(self, out_trade_no):
        asked.append(out_trade_no)
        if len(asked) == 4:
            raise alipay.GatewayUnavailable()
        return real_query(self, out_trade_no)

    monkeypatch.setattr(alipay.AlipayGateway, "query", query)
    first = reconcile(page_size=2)
    assert (first["checked"], first["gateway_down"], first["complete"]) == (3, True, False)
    second = reconcile(page_size=2)
    assert second["resumed"] and second["complete"]
    assert second["by_kind"]["unpaid"] == 2  # the 4th (asked again) and the 5th
    numbers = [order.order_number for order, _ in placed]
    assert asked == numbers[:4] + numbers[3:]
    third = reconcile(page_size=2)  # finished: the next run starts over
    assert not third["resumed"] and third["by_kind"]["unpaid"] == 5


def test_reconciliation_out_of_time_saves_its_cursor(sandbox, sent):
    sent()
    stopped = reconcile(budget_seconds=0)
    assert (stopped["checked"], stopped["complete"]) == (0, False)
    resumed = reconcile()
    assert resumed["resumed"] and resumed["complete"] and resumed["checked"] == 5


def test_the_reconciliation_command_says_what_it_checked(sandbox, sent, settings):
    from io import StringIO

    from django.core.management import call_command

    sent()
    settings.RECONCILE_TIME_BUDGET_SECONDS = 0
    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    assert "已核对 0 个订单" in out.getvalue() and "下次运行从中断处继续" in out.getvalue()
    settings.RECONCILE_TIME_BUDGET_SECONDS = 600
    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    assert "已核对 5 个订单（未支付 5 个" in out.getvalue()
    assert "时间窗口内的订单已全部核对" in out.getvalue()


def test_the_sweeps_cashier_queries_walk_a_deadline_index(sandbox, place):
    """Steps 2 and 3 pick their orders (status = 0, reached a gateway, by deadline) through an
    index in deadline order, never a scan and a sort. Their status is a bound parameter, unlike
    the step-1 batch's literal (orders.services.timeout._UNPAID_LITERAL): SQLite cannot prove
    the partial index's WHERE from a parameter, but the (status, pay_deadline) index serves as
    well (equality on status, a range on the deadline, rowid = id order), and SQLite picks it
    with the literal too (checked with EXPLAIN QUERY PLAN on 22,000 bench orders)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for seconds in (20, GRACE + 20):  # one inside the grace window, one past it
        past_deadline(place()[0], seconds)
    with CaptureQueriesContext(connection) as captured:
        sweep()
    picks = [
        q["sql"]
        for q in captured.captured_queries
        if q["sql"].startswith("SELECT")
        and "sent_to_gateway_at" in q["sql"]
        and "IS NOT NULL" in q["sql"]
        and "ORDER BY" in q["sql"]
        and "pay_deadline" in q["sql"]
    ]
    assert len(picks) >= 2, [q["sql"] for q in captured.captured_queries]  # step 2, step 3
    if connection.vendor == "mysql":  # MariaDB plans a tiny table as a scan whatever its indexes
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL enable_seqscan = off")  # a tiny table: plan as if large
        for sql in picks:
            explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN "
            cursor.execute(explain + sql)
            plan = " ".join(str(row) for row in cursor.fetchall())
            assert "order_unpaid_deadline" in plan or "orders_orde_status_" in plan, (sql, plan)
            assert "TEMP B-TREE" not in plan and "Sort" not in plan, (sql, plan)


def test_the_reconciliation_command_says_a_gateway_stopped_answering(sandbox, sent):
    from io import StringIO

    from django.core.management import call_command

    sent()
    sandbox.faults(api_unavailable=10)
    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    assert "已核对 0 个订单" in out.getvalue()
    assert "支付平台无响应：正在查询的订单已查完" in out.getvalue()


def test_reconciliation_claims_a_page_a_slice_at_a_time(sandbox, sent, monkeypatch):
    """A page is claimed workers x ORDERS_PER_WORKER orders at a time (here 1 x 4), so what it
    holds in flight is asked long before the claims expire."""
    sent()
    claimed: list[int] = []
    real = jobs.claims_take

    def claims_take(name, ids, **kwargs):
        claimed.append(len(ids))
        return real(name, ids, **kwargs)

    monkeypatch.setattr(jobs, "claims_take", claims_take)
    assert reconcile()["checked"] == 5
    assert claimed == [jobs.ORDERS_PER_WORKER, 5 - jobs.ORDERS_PER_WORKER]
