"""Checkout, cancel and settlement racing each other in real threads on a real database.

Each test starts its threads together on a barrier, each thread on its own DB connection
(closed at the end), and repeats the race a few rounds. The assertions are about money and
access, whatever order the database let the threads through in: coupons used once, credit
never below zero and always equal to its ledger, settlement and release exactly once."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection

from luffy.access.models import CoursePurchase
from luffy.catalog.models import Course
from luffy.common.errors import ApplicationError
from luffy.coupons.models import UserCoupon
from luffy.orders import services
from luffy.orders.models import Order, OrderStatusChange
from luffy.orders.services import checkout
from luffy.users.models import CreditEntry
from tests.order_fixtures import settle_with_trade

# Runs on every database: on SQLite (a test database file, WAL, IMMEDIATE transactions) the
# writers queue; on PostgreSQL and MariaDB the row locks and conditional updates are exercised.
pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]

ROUNDS = 3
THREADS = 8
JOIN_TIMEOUT = 60  # seconds for a whole race; a thread still running after it is a hang


@dataclass
class Outcome:
    value: object = None
    error: BaseException | None = None


def race(*calls) -> list[Outcome]:
    """Run each zero-argument callable in its own thread, all released together. Returns one
    Outcome per call, in the same order."""
    barrier = threading.Barrier(len(calls), timeout=JOIN_TIMEOUT)
    outcomes = [Outcome() for _ in calls]

    def run(call, outcome: Outcome) -> None:
        try:
            barrier.wait()
            outcome.value = call()
        except BaseException as exc:  # reported to the test below, never swallowed
            outcome.error = exc
        finally:
            connection.close()

    threads = [
        threading.Thread(target=run, args=(call, outcome), daemon=True)
        for call, outcome in zip(calls, outcomes, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    # Domain errors (409/400 answers) are results to assert on; anything else is a failure.
    unexpected = [
        o.error for o in outcomes if o.error and not isinstance(o.error, ApplicationError)
    ]
    assert not unexpected, f"unexpected errors: {unexpected!r}"
    return outcomes


_selected = threading.local()


@pytest.fixture(autouse=True)
def per_thread_cart(monkeypatch):
    """order_create reads the user's selected cart lines; here each thread has its own
    selection (so one user can check out different courses in parallel)."""
    monkeypatch.setattr(checkout, "cart_selected_items", lambda *, user_id: list(_selected.items))


def create(user, courses, **kwargs):
    """A checkout of `courses` (default validity) by `user`, callable from any thread."""

    def call():
        _selected.items = [(course.id, 0) for course in courses]
        return services.order_create(user_id=user.id, pay_type=Order.PayType.ALIPAY, **kwargs)

    return call


def cancel(user, order):
    return lambda: services.order_record_cancelled(user_id=user.id, order_number=order.order_number)


def settle(order, trade_no=""):
    return lambda: settle_with_trade(order.order_number, trade_no)


def codes(outcomes) -> list[str]:
    return sorted(o.error.code for o in outcomes if o.error is not None)


def winners(outcomes) -> list[Outcome]:
    return [o for o in outcomes if o.error is None]


def assert_ledger_consistent(user, start: int) -> int:
    """Each ledger row's balance_after is the balance right after it, the rows add up to the
    balance now, and it is never negative. Returns the current balance."""
    user.refresh_from_db()
    balance = start
    for entry in CreditEntry.objects.filter(user=user).order_by("id"):
        balance += entry.amount
        assert balance >= 0
        assert entry.balance_after == balance, (entry.id, entry.balance_after, balance)
    assert user.credit == balance
    return balance


@pytest.fixture
def courses(make_course):
    return [make_course(price="100.00") for _ in range(THREADS)]


@pytest.mark.parametrize("sale", ["-20", "-200"], ids=["reserved", "free-so-used-at-once"])
def test_one_coupon_many_checkouts(make_user, give_coupon, courses, sale):
    """One coupon, eight checkouts of eight different courses: one order gets it."""
    for _ in range(ROUNDS):
        user = make_user()
        coupon = give_coupon(user, sale=sale)
        outcomes = race(*(create(user, [course], coupon_id=coupon.id) for course in courses))

        won = winners(outcomes)
        assert len(won) == 1, codes(outcomes)
        expected = "coupon_reserved" if sale == "-20" else "coupon_used"
        assert codes(outcomes) == [expected] * (THREADS - 1)
        assert all(o.error.status_code == 409 for o in outcomes if o.error)
        order = won[0].value.order
        assert list(Order.objects.filter(user=user).values_list("id", flat=True)) == [order.id]
        coupon.refresh_from_db()
        assert coupon.order_id == order.id
        assert coupon.status == (
            UserCoupon.Status.RESERVED if sale == "-20" else UserCoupon.Status.USED
        )


def test_credit_is_never_overspent(make_user, courses):
    """1000 points, eight checkouts of 300 each: three succeed, the balance ends at 100."""
    for _ in range(ROUNDS):
        user = make_user(credit=1000)
        outcomes = race(*(create(user, [course], credit=300) for course in courses))

        assert len(winners(outcomes)) == 3, codes(outcomes)
        assert codes(outcomes) == ["credit_exceeds_balance"] * (THREADS - 3)
        assert assert_ledger_consistent(user, start=1000) == 100
        entries = CreditEntry.objects.filter(user=user)
        assert sorted(entries.values_list("amount", flat=True)) == [-300] * 3
        assert {e.order_id for e in entries} == {o.value.order.id for o in winners(outcomes)}
        assert Order.objects.filter(user=user).count() == 3


def test_cancel_races_cancel(make_user, give_coupon, courses):
    """Four cancels of one order: one cancels it; coupon and credit come back once."""
    for _ in range(ROUNDS):
        user = make_user(credit=500)
        coupon = give_coupon(user)
        order = create(user, courses[:2], coupon_id=coupon.id, credit=200)().order
        outcomes = race(*[cancel(user, order)] * 4)

        assert len(winners(outcomes)) == 1
        assert codes(outcomes) == ["order_not_unpaid"] * 3
        order.refresh_from_db()
        assert order.status == Order.Status.CANCELLED
        releases = CreditEntry.objects.filter(order=order, reason=CreditEntry.Reason.ORDER_RELEASE)
        assert list(releases.values_list("amount", flat=True)) == [200]
        assert assert_ledger_consistent(user, start=500) == 500
        coupon.refresh_from_db()
        assert (coupon.status, coupon.order_id) == (UserCoupon.Status.UNUSED, None)
        changes = OrderStatusChange.objects.filter(order=order, to_status=Order.Status.CANCELLED)
        assert changes.count() == 1


def test_cancel_races_checkouts_of_the_same_user(make_user, courses):
    """Order A holds 400 of 1000 points. Cancel A while three checkouts spend 300 each:
    the cancel always succeeds, two or three checkouts too, and the balance is exact."""
    for _ in range(ROUNDS):
        user = make_user(credit=1000)
        held = create(user, courses[:1], credit=400)().order
        outcomes = race(
            cancel(user, held), *(create(user, [course], credit=300) for course in courses[1:4])
        )

        assert outcomes[0].error is None
        bought = len(winners(outcomes[1:]))
        assert bought in (2, 3), codes(outcomes)
        assert codes(outcomes) == ["credit_exceeds_balance"] * (3 - bought)
        assert assert_ledger_consistent(user, start=1000) == 1000 - 300 * bought
        reasons = CreditEntry.objects.filter(user=user).values_list("reason", flat=True)
        assert sorted(reasons) == sorted(["order_reserve"] * (1 + bought) + ["order_release"])


def test_settle_races_cancel(make_user, give_coupon, courses):
    """The payment confirmation and the buyer's cancel of the same unpaid order: exactly one
    of them happens, completely."""
    seen = set()
    for _ in range(ROUNDS * 2):
        user = make_user(credit=500)
        coupon = give_coupon(user)
        bought = courses[:2]
        order = create(user, bought, coupon_id=coupon.id, credit=200)().order
        settled, cancelled = race(settle(order, f"T{order.id}"), cancel(user, order))

        assert settled.error is None  # a settlement that lost the race is a no-op, not an error
        assert settled.value is (cancelled.error is not None)  # exactly one of them won
        order.refresh_from_db()
        coupon.refresh_from_db()
        purchases = CoursePurchase.objects.filter(user=user)
        if settled.value:
            seen.add("settled")
            assert cancelled.error.code == "order_not_unpaid"
            assert (order.status, order.trades.get().trade_no) == (
                Order.Status.PAID,
                f"T{order.id}",
            )
            assert sorted(p.course_id for p in purchases) == sorted(c.id for c in bought)
            assert coupon.status == UserCoupon.Status.USED and coupon.order_id == order.id
            assert assert_ledger_consistent(user, start=500) == 300  # not given back
        else:
            seen.add("cancelled")
            assert order.status == Order.Status.CANCELLED
            assert not purchases.exists()
            assert (coupon.status, coupon.order_id) == (UserCoupon.Status.UNUSED, None)
            assert assert_ledger_consistent(user, start=500) == 500
        assert OrderStatusChange.objects.filter(order=order).count() == 2  # created, one more
    students = set(Course.objects.filter(id__in=[c.id for c in courses[:2]]).values_list(
        "students", flat=True
    ))  # fmt: skip
    # Every settled round added one student to each course, cancelled rounds none.
    assert len(students) == 1
    assert seen  # at least one outcome observed (which one depends on the scheduler)


def test_return_and_notify_settle_once(make_user, give_coupon, courses):
    """The return redirect, the notify and an active query confirm the same payment at once:
    one settlement, one purchase record per course, one more student, one audit row."""
    bought = courses[:2]
    for round_number in range(1, ROUNDS + 1):
        user = make_user(credit=100)
        coupon = give_coupon(user)
        order = create(user, bought, coupon_id=coupon.id, credit=100)().order
        outcomes = race(*[settle(order, f"T{order.id}")] * 4)

        assert sorted(o.value for o in outcomes) == [False, False, False, True]
        order.refresh_from_db()
        assert order.status == Order.Status.PAID
        purchases = CoursePurchase.objects.filter(user=user)
        assert sorted(p.course_id for p in purchases) == sorted(c.id for c in bought)
        assert all(p.order_id == order.id and p.expires_at is None for p in purchases)
        changes = OrderStatusChange.objects.filter(order=order).order_by("id")
        assert list(changes.values_list("to_status", flat=True)) == [
            Order.Status.UNPAID,  # created (its audit row since issue 12)
            Order.Status.PAID,
        ]
        coupon.refresh_from_db()
        assert coupon.status == UserCoupon.Status.USED
        assert assert_ledger_consistent(user, start=100) == 0
        for course in bought:
            course.refresh_from_db()
            assert course.students == round_number


def test_many_buyers_of_one_course_settle_at_once(make_user, make_course):
    """Payments of different buyers of the same two courses confirmed together: every buyer
    gets access and the student counters count each of them."""
    first, second = make_course(price="100.00"), make_course(price="50.00")
    for round_number in range(1, ROUNDS + 1):
        orders = []
        for index in range(THREADS):
            # half of them list the courses the other way round
            pair = [first, second] if index % 2 else [second, first]
            orders.append(create(make_user(), pair)().order)
        outcomes = race(*(settle(order) for order in orders))

        assert [o.value for o in outcomes] == [True] * THREADS
        assert set(Order.objects.values_list("status", flat=True)) == {Order.Status.PAID}
        assert CoursePurchase.objects.count() == 2 * THREADS * round_number
        first.refresh_from_db()
        second.refresh_from_db()
        assert first.students == second.students == THREADS * round_number


def test_many_buyers_of_one_free_course_check_out_at_once(make_user, make_course, make_discount):
    """Free courses are settled inside checkout: simultaneous checkouts by different buyers."""
    free = [make_course(price="10.00") for _ in range(2)]
    make_discount(*free, rule="0", type_name="限时免费")
    users = [make_user() for _ in range(THREADS)]
    outcomes = race(*(create(user, free if i % 2 else free[::-1]) for i, user in enumerate(users)))

    assert not codes(outcomes)
    assert all(o.value.order.real_price == Decimal("0.00") for o in outcomes)
    assert CoursePurchase.objects.count() == 2 * THREADS
    for course in free:
        course.refresh_from_db()
        assert course.students == THREADS
