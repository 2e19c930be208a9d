"""The randomized race suite: many orders at once, and for each a random mix of what the world
does to it, fired from threads in random order: the buyer paying (then the return redirect and
several notify copies at once), cancelling, the timeout sweep, reconciliation, and late
payments (money for an order already cancelled or timed out: return + notify copies + the
reconciliation query at once). Then the books check and, per order, the gateway's money
against the order's state. Zero anomalies is the only pass.

    RACE_TRIALS=40 RACE_ORDERS=8 RACE_SEED=123 pytest -m race -s tests/payments/test_race_suite.py

The gateway is an in-process fake with Alipay's rules (a closed trade cannot be paid; a paid one
cannot be closed; a refund is idempotent per out_request_no), thread-safe, so trials are fast and
every interleaving the database allows is reachable. A late payment is modelled as the gateway
taking money for a trade the store already gave up (a close that was lost, a payment in the
same second): the case the store must survive. Threads each use their own DB connection, as
in tests/orders/test_concurrency.py (every database: SQLite queues writers, PostgreSQL and
MariaDB exercise row locks)."""

from __future__ import annotations

import os
import random
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from luffy.alipay_sandbox.signing import signed_callback
from luffy.common.errors import ApplicationError
from luffy.orders.models import Order, OrderStatusChange
from luffy.payments import alipay as alipay_client
from luffy.payments import services as payments
from luffy.payments.books import books_check
from luffy.payments.models import PaymentMessage, Refund
from luffy.payments.tasks import expire_unpaid_orders
from luffy.users.credits import credit_change
from luffy.users.models import CreditEntry, User
from tests.orders.test_concurrency import (  # noqa: F401 (per_thread_cart: autouse fixture)
    create,
    per_thread_cart,
)
from tests.payments.test_notify import notify_params

pytestmark = [pytest.mark.race, pytest.mark.real_db, pytest.mark.django_db(transaction=True)]

S = Order.Status
TRIALS = int(os.environ.get("RACE_TRIALS", "6"))
ORDERS = int(os.environ.get("RACE_ORDERS", "8"))  # per trial
SEED = int(os.environ.get("RACE_SEED", str(random.SystemRandom().randrange(10**6))))
JITTER = 0.03  # seconds: each event starts at a random moment within this after the barrier
JOIN_TIMEOUT = 120


# --- A fake Alipay, thread-safe ----------------------------------------------------------------


@dataclass
class FakeTrade:
    total: Decimal
    trade_no: str
    status: str = "WAIT_BUYER_PAY"
    paid: bool = False
    refunded: Decimal = Decimal("0.00")
    refund_requests: set = field(default_factory=set)


class FakeAlipay:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.trades: dict[str, FakeTrade] = {}
        self.count = 0

    def open(self, order: Order) -> None:
        with self.lock:
            self.count += 1
            self.trades[order.order_number] = FakeTrade(
                order.real_price, f"2026{self.count:08d}{order.id:012d}"
            )

    def pay(self, number: str, *, late: bool = False) -> bool:
        """The buyer pays. A closed trade refuses, unless this is a late payment."""
        with self.lock:
            trade = self.trades[number]
            if trade.paid or (trade.status != "WAIT_BUYER_PAY" and not late):
                return False
            trade.status, trade.paid = "TRADE_SUCCESS", True
            return True

    def trade_query(self, out_trade_no: str) -> dict:
        with self.lock:
            trade = self.trades.get(out_trade_no)
            if trade is None:
                return {
                    "code": "40004",
                    "msg": "Business Failed",
                    "sub_code": "ACQ.TRADE_NOT_EXIST",
                }
            answer = {
                "code": alipay_client.SUCCESS, "msg": "Success", "out_trade_no": out_trade_no,
                "trade_no": trade.trade_no, "trade_status": trade.status,
                "total_amount": f"{trade.total:.2f}",
            }  # fmt: skip
            if trade.paid:
                answer["send_pay_date"] = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
            return answer

    def trade_close(self, out_trade_no: str) -> dict:
        with self.lock:
            trade = self.trades.get(out_trade_no)
            if trade is None:
                return {
                    "code": "40004",
                    "msg": "Business Failed",
                    "sub_code": "ACQ.TRADE_NOT_EXIST",
                }
            if trade.status == "TRADE_SUCCESS":
                return {
                    "code": "40004",
                    "msg": "Business Failed",
                    "sub_code": "ACQ.TRADE_STATUS_ERROR",
                }
            trade.status = "TRADE_CLOSED"
            return {"code": alipay_client.SUCCESS, "msg": "Success", "out_trade_no": out_trade_no}

    def trade_refund(self, *, out_trade_no, refund_amount, out_request_no, refund_reason=""):
        with self.lock:
            trade = self.trades[out_trade_no]
            if out_request_no in trade.refund_requests:
                return {"code": alipay_client.SUCCESS, "msg": "Success", "fund_change": "N"}
            if trade.status != "TRADE_SUCCESS" or trade.refunded + refund_amount > trade.total:
                return {
                    "code": "40004",
                    "msg": "Business Failed",
                    "sub_code": "ACQ.TRADE_STATUS_ERROR",
                }
            trade.refund_requests.add(out_request_no)
            trade.refunded += refund_amount
            if trade.refunded == trade.total:
                trade.status = "TRADE_CLOSED"
            return {"code": alipay_client.SUCCESS, "msg": "Success", "fund_change": "Y"}


@pytest.fixture
def alipay(monkeypatch) -> FakeAlipay:
    fake = FakeAlipay()
    monkeypatch.setattr(alipay_client, "trade_query", fake.trade_query)
    monkeypatch.setattr(alipay_client, "trade_close", fake.trade_close)
    monkeypatch.setattr(alipay_client, "trade_refund", fake.trade_refund)
    return fake


# --- Threads -----------------------------------------------------------------------------------


class Runner:
    """Runs events in threads released together, each after a random jitter; collects errors
    that are not domain answers (409s, 503s are answers: ApplicationError)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def run(self, calls, *, jitter: float = JITTER) -> None:
        delays = [self.rng.uniform(0, jitter) for _ in calls]
        barrier = threading.Barrier(len(calls), timeout=JOIN_TIMEOUT)

        def one(call, delay):
            try:
                barrier.wait()
                time.sleep(delay)
                call()
            except ApplicationError:
                pass
            except BaseException as exc:
                with self.lock:
                    self.errors.append(f"{getattr(call, 'name', call)}: {exc!r}")
            finally:
                connection.close()

        threads = [
            threading.Thread(target=one, args=(c, d), daemon=True)
            for c, d in zip(calls, delays, strict=True)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(JOIN_TIMEOUT)
        if any(thread.is_alive() for thread in threads):
            self.errors.append("a thread hung (deadlock?)")


def named(name: str, call):
    call.name = name
    return call


# --- One trial ---------------------------------------------------------------------------------


@dataclass
class Placed:
    user_id: int
    order: Order
    plan: str  # pay | pay_or_cancel | pay_or_timeout | abandon | late_settle | late_refund


def return_params(order: Order, trade: FakeTrade) -> dict:
    return signed_callback(
        {
            "charset": "utf-8", "out_trade_no": order.order_number,
            "method": "alipay.trade.page.pay.return", "total_amount": f"{trade.total:.2f}",
            "trade_no": trade.trade_no, "auth_app_id": settings.ALIPAY_APP_ID, "version": "1.0",
            "app_id": settings.ALIPAY_APP_ID, "seller_id": settings.ALIPAY_SELLER_ID,
            "timestamp": timezone.localtime().strftime("%Y-%m-%d %H:%M:%S"),
        }
    )  # fmt: skip


def confirmations(runner: Runner, alipay: FakeAlipay, placed: Placed, *, reconcile: bool):
    """What follows a payment at the gateway, all at once: the return redirect, 1-3 copies of
    the notify and (for a late payment) the reconciliation's query of the order."""
    order = placed.order
    trade = alipay.trades[order.order_number]
    notify = notify_params(order, trade_no=trade.trade_no)
    params = return_params(order, trade)
    calls = [
        named("notify", lambda: payments.payment_notify(data=notify))
        for _ in range(runner.rng.randint(1, 3))
    ]
    calls.append(
        named("return", lambda: payments.payment_result(user_id=placed.user_id, params=params))
    )
    if reconcile:
        source = PaymentMessage.Source.RECONCILE
        calls.append(named("query", lambda: payments.payment_query(order=order, source=source)))
    runner.rng.shuffle(calls)
    runner.run(calls, jitter=0.005)


def place_orders(rng, alipay, make_user, make_course, give_coupon, create, count):
    """`count` unpaid orders of count/2 users (two each, so user locks are shared), each of a
    course shared by all buyers (hot counters) and one of its own, with a random coupon and
    credit; each has reached the gateway."""
    shared = [make_course(price="100.00"), make_course(price="80.00")]
    placed = []
    users = [make_user() for _ in range(max(count // 2, 1))]
    for user in users:
        credit_change(user_id=user.id, amount=500, reason=CreditEntry.Reason.GRANT)
    plans = ["pay", "pay_or_cancel", "pay_or_timeout", "abandon", "late_settle", "late_refund"]
    for index in range(count):
        user = users[index % len(users)]
        courses = [shared[index // len(users) % 2], make_course(price="50.00")]
        plan = rng.choice(plans)
        kwargs = {"credit": 100 if plan == "late_refund" else rng.choice([0, 50, 100])}
        if rng.random() < 0.6:
            kwargs["coupon_id"] = give_coupon(user, sale="-10").id
        order = create(user, courses, **kwargs)().order
        Order.objects.filter(id=order.id).update(sent_to_gateway_at=timezone.now())
        alipay.open(order)
        placed.append(Placed(user.id, order, plan))
    return placed


def give_up_before_the_race(rng, alipay, placed: list[Placed]) -> None:
    """Late-payment orders are cancelled or timed out first (asking the gateway, which closes
    the trade); for late_refund the credit or coupon they held is then spent elsewhere."""
    late = [p for p in placed if p.plan.startswith("late")]
    expire = [p for p in late if rng.random() < 0.5]
    for p in late:
        if p not in expire:
            payments.order_cancel(user_id=p.user_id, order_number=p.order.order_number)
    Order.objects.filter(id__in=[p.order.id for p in expire]).update(
        pay_deadline=timezone.now() - timedelta(seconds=1)
    )
    if expire:
        # only these are past their deadline yet: the sweep times out just them
        expire_unpaid_orders()
    for p in late:
        p.order.refresh_from_db()
        assert p.order.status in (S.CANCELLED, S.TIMED_OUT), p
        if p.plan == "late_refund":  # its credit is spent elsewhere: it cannot be re-reserved
            balance = User.objects.get(id=p.user_id).credit
            if balance:
                credit_change(user_id=p.user_id, amount=-balance, reason="adjustment")


def trial(rng, alipay, factories) -> tuple[list[Placed], list[str]]:
    runner = Runner(rng)
    started = timezone.now()
    placed = place_orders(rng, alipay, *factories, ORDERS)
    give_up_before_the_race(rng, alipay, placed)
    expiring = [p for p in placed if p.plan == "pay_or_timeout"]
    Order.objects.filter(id__in=[p.order.id for p in expiring]).update(
        pay_deadline=timezone.now() - timedelta(seconds=1)
    )

    def buyer_pays(p: Placed):
        def call():
            late = p.plan.startswith("late")
            if alipay.pay(p.order.order_number, late=late):
                confirmations(runner, alipay, p, reconcile=late)

        return named(f"pay {p.plan}", call)

    def buyer_cancels(p: Placed):
        number = p.order.order_number
        return named(
            "cancel", lambda: payments.order_cancel(user_id=p.user_id, order_number=number)
        )

    events = []
    for p in placed:
        if p.plan != "abandon":
            events.append(buyer_pays(p))
        if p.plan in ("pay_or_cancel", "abandon"):
            events.append(buyer_cancels(p))
    events += [named("sweep", lambda: expire_unpaid_orders(batch_size=3))] * rng.randint(1, 2)
    now = timezone.now
    events.append(
        named("reconcile", lambda: payments.payments_reconcile(now=now(), paid_since=started))
    )
    rng.shuffle(events)
    runner.run(events)
    return placed, runner.errors


def order_anomalies(alipay: FakeAlipay, placed: list[Placed]) -> list[str]:
    """The gateway's money against each order: money kept -> paid; money returned in full ->
    refunded; no money -> not paid. A late payment ends exactly one of {late settled,
    refunded}: never both, never neither."""
    found = []
    for p in placed:
        order = Order.objects.get(id=p.order.id)
        trade = alipay.trades[order.order_number]
        changes = set(
            OrderStatusChange.objects.filter(order=order).values_list("from_status", "to_status")
        )
        late_settled = bool(changes & {(S.CANCELLED, S.PAID), (S.TIMED_OUT, S.PAID)})
        late_refunded = Refund.objects.filter(
            order=order, out_request_no=f"{order.order_number}LATE", status="succeeded"
        ).exists()
        where = f"{order.order_number} ({p.plan})"
        if trade.paid and trade.refunded == 0 and order.status != S.PAID:
            found.append(f"{where}: paid at the gateway, order is {order.get_status_display()}")
        if trade.paid and trade.refunded == trade.total and order.status != S.REFUNDED:
            found.append(f"{where}: refunded at the gateway, order is {order.get_status_display()}")
        if trade.paid and 0 < trade.refunded < trade.total:
            found.append(f"{where}: partly refunded ({trade.refunded})")
        if not trade.paid and order.status in (S.PAID, S.REFUNDED):
            found.append(f"{where}: {order.get_status_display()} with no money at the gateway")
        if late_settled and late_refunded:
            found.append(f"{where}: late payment both settled and refunded")
        given_up = {(S.UNPAID, S.CANCELLED), (S.UNPAID, S.TIMED_OUT)} & changes
        if trade.paid and given_up and not (late_settled or late_refunded):
            found.append(f"{where}: late payment neither settled nor refunded")
    return found


def test_random_races_keep_the_books(alipay, make_user, make_course, give_coupon, capsys):
    factories = (make_user, make_course, give_coupon, create)
    started = time.monotonic()
    seen: set[str] = set()
    anomalies: list[str] = []
    plans: dict[str, int] = {}
    late_outcomes = {"late_settled": 0, "refunded": 0}
    late = both = 0
    for number in range(TRIALS):
        rng = random.Random(SEED * 1000 + number)
        placed, errors = trial(rng, alipay, factories)
        for p in placed:
            plans[p.plan] = plans.get(p.plan, 0) + 1
        new = [str(a) for a in books_check() if str(a) not in seen]
        seen.update(new)
        per_order = order_anomalies(alipay, placed)
        late += sum(p.plan.startswith("late") for p in placed)
        both += sum("both settled and refunded" in problem for problem in per_order)
        for problem in [*errors, *new, *per_order]:
            anomalies.append(f"trial {number}: {problem}")
        numbers = [p.order.order_number for p in placed]
        for outcome in late_outcomes:
            late_outcomes[outcome] += PaymentMessage.objects.filter(
                out_trade_no__in=numbers, outcome=outcome
            ).count()
    elapsed = time.monotonic() - started
    summary = (
        f"race suite: {TRIALS} trials, {TRIALS * ORDERS} orders, {len(anomalies)} anomalies, "
        f"seed {SEED} ({connection.vendor}, {elapsed:.1f} s, load {os.getloadavg()[0]:.2f}; "
        f"plans {dict(sorted(plans.items()))}; late payments {late}, of them settled AND "
        f"refunded {both}; confirmations {late_outcomes})"
    )
    with capsys.disabled():
        print("\n" + summary)
        for line in anomalies[:30]:
            print("  " + line)
    assert not anomalies, summary + "\n" + "\n".join(anomalies[:30])
