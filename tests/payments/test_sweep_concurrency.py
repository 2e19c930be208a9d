"""Two timeout sweeps (a doubled beat, or a slow run beside the next) and a reconciliation at
the same time, each asking the gateway about expired orders inside the grace window with its
own thread pool: every order is asked by one of them at a time (the per-order claim), the two
sweeps ask each order once between them, and each order ends once: paid at the gateway ->
settled, never timed out; not paid -> closed there and timed out. Real threads on the real
database (and the offline Alipay sandbox); threads, barrier and per-thread connections: see
tests/orders/test_concurrency.py."""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.utils import timezone

from luffy.orders import services as orders
from luffy.orders.models import Order, OrderStatusChange
from luffy.payments import alipay, services, tasks
from luffy.payments.models import Refund
from luffy.users.credits import credit_change
from luffy.users.models import CreditEntry
from tests.orders import test_concurrency
from tests.orders.test_concurrency import (  # noqa: F401 (per_thread_cart: autouse fixture)
    assert_ledger_consistent,
    create,
    per_thread_cart,
    race,
)

pytestmark = test_concurrency.pytestmark  # threaded, on every database

S = Order.Status
ORDERS = 12
PAID = 3  # of them paid at the cashier, every notify lost
WORKERS = 4


@pytest.fixture(autouse=True)
def _settings(settings):
    settings.SWEEP_GATEWAY_GRACE_SECONDS = 300
    settings.SWEEP_GATEWAY_WORKERS = settings.RECONCILE_GATEWAY_WORKERS = WORKERS


@pytest.fixture
def calls(monkeypatch):
    """Every Alipay query and close, as (kind, order number, start, end), each held open a
    little so overlapping asks would show."""
    seen: list[tuple[str, str, float, float]] = []
    lock = threading.Lock()

    def recorded(kind, real):
        def call(self, out_trade_no):
            start = time.monotonic()
            try:
                time.sleep(0.02)
                return real(self, out_trade_no)
            finally:
                with lock:
                    seen.append((kind, out_trade_no, start, time.monotonic()))

        return call

    for kind in ("query", "close"):
        monkeypatch.setattr(alipay.AlipayGateway, kind,
                            recorded(kind, getattr(alipay.AlipayGateway, kind)))  # fmt: skip
    return seen


@pytest.fixture
def expired(sandbox, make_user, make_course):
    """ORDERS orders of one user (100 credit points each) sent to Alipay and now inside the grace
    window; the first PAID were paid at the cashier and their notifies lost."""
    user = make_user(credit=ORDERS * 100)
    start = user.credit

    def make():
        courses = [make_course(price="100.00") for _ in range(ORDERS)]  # one unpaid order each
        placed = [create(user, [course], credit=100)().order for course in courses]
        sandbox.faults(drop_notify=1000)
        for i, order in enumerate(placed):
            url = services.payment_url_create(user_id=user.id, order_number=order.order_number)
            if i < PAID:
                cashier, _ = sandbox.open_cashier(url)
                assert sandbox.press(cashier, "pay")[0] == 302
        Order.objects.filter(id__in=[o.id for o in placed]).update(
            pay_deadline=timezone.now() - timedelta(seconds=30)
        )
        return user, start, placed

    return make


def sweep():
    return lambda: services.orders_expire(now=timezone.now())


def assert_each_order_ended_once(placed):
    for i, order in enumerate(placed):
        order.refresh_from_db()
        assert order.status == (S.PAID if i < PAID else S.TIMED_OUT), order
        trail = OrderStatusChange.objects.filter(order=order, from_status__isnull=False)
        assert trail.count() == 1, list(trail.values_list("from_status", "to_status"))


def never_at_the_same_time(calls):
    """No two asks about one order overlap in time (one query or close at a time per order)."""
    by_order: dict[str, list[tuple[float, float]]] = {}
    for _kind, number, start, end in calls:
        by_order.setdefault(number, []).append((start, end))
    for number, spans in by_order.items():
        spans.sort()
        for (_s1, e1), (s2, _e2) in itertools.pairwise(spans):
            assert s2 >= e1, f"two asks about {number} at the same time"


def test_two_sweeps_ask_each_order_once_between_them(expired, calls):
    user, start, placed = expired()
    outcomes = race(sweep(), sweep())
    reports = [o.value for o in outcomes]
    queries = Counter(number for kind, number, *_ in calls if kind == "query")
    assert queries == {order.order_number: 1 for order in placed}
    closes = Counter(number for kind, number, *_ in calls if kind == "close")
    assert closes == {order.order_number: 1 for order in placed[PAID:]}
    never_at_the_same_time(calls)
    assert sum(r.asked for r in reports) == ORDERS
    assert sum(r.settled for r in reports) == PAID
    assert sum(r.timed_out for r in reports) == ORDERS - PAID
    assert_each_order_ended_once(placed)
    # the timed-out orders' credit came back once each; the paid ones' was consumed
    assert assert_ledger_consistent(user, start) == start - PAID * 100
    releases = CreditEntry.objects.filter(user=user, reason=CreditEntry.Reason.ORDER_RELEASE)
    assert releases.count() == ORDERS - PAID


def test_a_sweep_beside_reconciliation_never_asks_about_an_order_at_the_same_time(expired, calls):
    """Two sweeps and a reconciliation, each with WORKERS threads."""
    user, start, placed = expired()
    now = timezone.now()
    reconcile = lambda: services.payments_reconcile(  # noqa: E731
        now=now, paid_since=now - timedelta(hours=1), page_size=5
    )
    outcomes = race(sweep(), sweep(), reconcile)
    never_at_the_same_time(calls)
    # An order the reconciliation held while both sweeps passed it waits for the next sweep.
    services.orders_expire(now=timezone.now())
    assert_each_order_ended_once(placed)
    assert assert_ledger_consistent(user, start) == start - PAID * 100
    report = outcomes[2].value
    # what the reconciliation did not ask about, the sweeps had claimed
    assert report["complete"] and report["by_kind"]["unpaid"] + report["busy"] >= 1


def stopped_by_the_outage(calls, placed, sandbox):
    """The threads in flight got their "down" (at most WORKERS calls); nobody started another
    order after it and none changed. Then the gateway comes back."""
    assert len(calls) <= WORKERS
    for order in placed:
        order.refresh_from_db()
        assert order.status == S.UNPAID
    sandbox.request("/sandbox/faults/", method="DELETE")
    calls.clear()


def test_gateway_down_stops_the_rest_for_the_next_run(expired, calls, sandbox):
    user, start, placed = expired()
    sandbox.faults(api_unavailable=1000)
    report = services.orders_expire(now=timezone.now())
    assert report.gateway_down and report.timed_out == 0 and report.settled == 0
    stopped_by_the_outage(calls, placed, sandbox)
    report = services.orders_expire(now=timezone.now())  # its claims were given back
    assert (report.asked, report.settled, report.timed_out) == (ORDERS, PAID, ORDERS - PAID)
    assert_each_order_ended_once(placed)
    assert assert_ledger_consistent(user, start) == start - PAID * 100


def most_at_once(calls) -> int:
    """The most gateway calls in flight at one moment."""
    edges = sorted([(start, 1) for _, _, start, _ in calls] + [(end, -1) for *_, end in calls])
    return max(itertools.accumulate(step for _, step in edges), default=0)


def reconcile(**kwargs):
    now = timezone.now()
    return lambda: services.payments_reconcile(now=now, paid_since=now - timedelta(hours=1),
                                               **kwargs)  # fmt: skip


@pytest.mark.parametrize("workers", [1, WORKERS])
def test_two_reconciliations_at_once_ask_each_order_once_between_them(
    expired, calls, settings, workers
):
    """The job's lock lets one run; its threads ask each order once (the PAID ones settled are
    not asked again among the paid ones), with the same results serially and with workers."""
    settings.RECONCILE_GATEWAY_WORKERS = workers
    user, start, placed = expired()
    outcomes = race(tasks.reconcile_payments, tasks.reconcile_payments)
    reports = [o.value for o in outcomes]
    assert sorted(r.get("skipped", False) for r in reports) == [False, True]
    report = next(r for r in reports if not r.get("skipped"))
    queries = Counter(number for kind, number, *_ in calls if kind == "query")
    assert queries == {order.order_number: 1 for order in placed}
    never_at_the_same_time(calls)
    assert (most_at_once(calls) > 1) == (workers > 1)  # its threads asked side by side
    assert (report["checked"], report["settled"], report["refunded"], report["flagged"]) == (
        ORDERS,
        PAID,
        0,
        0,
    )
    assert report["by_kind"]["unpaid"] == ORDERS and report["complete"]
    for i, order in enumerate(placed):
        order.refresh_from_db()
        assert order.status == (S.PAID if i < PAID else S.UNPAID)
        assert OrderStatusChange.objects.filter(order=order, from_status__isnull=False).count() == (
            1 if i < PAID else 0
        )
    assert assert_ledger_consistent(user, start) == start - ORDERS * 100


def test_two_reconciliations_without_the_lock_never_ask_about_an_order_at_the_same_time(
    expired, calls
):
    """Were the lock lost (Redis restarted), the claims still keep two runs' threads apart;
    each order ends once."""
    user, start, placed = expired()
    outcomes = race(reconcile(page_size=5), reconcile(page_size=5))
    never_at_the_same_time(calls)
    assert all(o.value["complete"] for o in outcomes)
    assert sum(o.value["settled"] for o in outcomes) == PAID
    for i, order in enumerate(placed):
        order.refresh_from_db()
        assert order.status == (S.PAID if i < PAID else S.UNPAID)
    assert assert_ledger_consistent(user, start) == start - ORDERS * 100


@pytest.mark.parametrize("workers", [1, WORKERS])
def test_late_payments_found_by_threaded_reconciliation_are_refunded_once(
    expired, calls, settings, workers
):
    """The PAID orders timed out (credit given back, then spent elsewhere) before their
    payment was heard: reconciliation finds them among the closed ones and refunds each once,
    never settling one too; the same serially and with workers."""
    settings.RECONCILE_GATEWAY_WORKERS = workers
    user, start, placed = expired()
    late = [order.id for order in placed[:PAID]]
    assert orders.orders_record_timed_out(now=timezone.now(), gateway_checked=late) == PAID
    credit_change(user_id=user.id, amount=-PAID * 100, reason=CreditEntry.Reason.ADJUSTMENT)
    outcomes = race(reconcile(), reconcile())
    assert sum(o.value["refunded"] for o in outcomes) == PAID
    assert sum(o.value["settled"] for o in outcomes) == 0
    never_at_the_same_time(calls)
    for order in placed[:PAID]:
        order.refresh_from_db()
        assert order.status == S.REFUNDED
        assert Refund.objects.filter(order=order).count() == 1
        assert not OrderStatusChange.objects.filter(order=order, to_status=S.PAID).exists()
    assert assert_ledger_consistent(user, start) == start - ORDERS * 100


def test_gateway_down_stops_the_reconciliation_after_at_most_workers_calls(expired, calls, sandbox):
    user, start, placed = expired()
    sandbox.faults(api_unavailable=1000)
    report = reconcile()()
    assert report["gateway_down"] and not report["complete"]
    assert report["settled"] == 0 and report["checked"] == 0
    stopped_by_the_outage(calls, placed, sandbox)
    again = reconcile()()  # resumes at the first order left unasked: here, the first
    assert again["resumed"] and again["complete"]
    assert (again["checked"], again["settled"]) == (ORDERS, PAID)
    assert assert_ledger_consistent(user, start) == start - ORDERS * 100
