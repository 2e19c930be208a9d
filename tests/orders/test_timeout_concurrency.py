"""The set-based timeout sweep racing itself, payments and cancels in real threads.

Same house style as test_concurrency.py (whose race helper and skip reason this reuses):
threads released together on a barrier, each on its own connection, bounded waits, a few
rounds. Every order ends in exactly one final state, with exactly one audit row, its coupon
and credit released at most once (and only when it did not get paid), and every user's credit
equal to the sum of its ledger rows."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.catalog.models import Course
from luffy.coupons.models import UserCoupon
from luffy.orders import services
from luffy.orders.models import Order, OrderStatusChange
from luffy.payments.tasks import expire_unpaid_orders
from luffy.users.models import CreditEntry
from tests.order_fixtures import settle_with_trade
from tests.orders import test_concurrency
from tests.orders.test_concurrency import (  # noqa: F401 (per_thread_cart: autouse fixture)
    assert_ledger_consistent,
    codes,
    create,
    per_thread_cart,
    race,
)

pytestmark = test_concurrency.pytestmark  # threaded, on every database

S = Order.Status
ROUNDS = 3
START_CREDIT = 1000
MAX_BATCHES = 200  # bound on any sweep loop; far more than the orders of a round need


def sweep_batches(batch_size: int):
    """A sweep as a loop of orders_record_timed_out; returns how many it timed out."""

    def call() -> int:
        now, total = timezone.now(), 0
        for _ in range(MAX_BATCHES):
            done = services.orders_record_timed_out(now=now, batch_size=batch_size)
            if not done:
                return total
            total += done
        raise AssertionError("sweep did not finish in MAX_BATCHES batches")

    return call


def sweep_task(batch_size: int):
    """The beat task's body, run in this thread (it also asks payments about gateway orders:
    none here, so it makes no gateway call)."""
    return lambda: expire_unpaid_orders(batch_size=batch_size)


def place(user, course, *, coupon=None, credit=0) -> Order:
    kwargs = {"credit": credit}
    if coupon is not None:
        kwargs["coupon_id"] = coupon.id
    return create(user, [course], **kwargs)().order


def expire(orders) -> None:
    Order.objects.filter(id__in=[o.id for o in orders]).update(
        pay_deadline=timezone.now() - timedelta(seconds=1)
    )


# Every order's trail starts with its creation (issue 12: from no status to unpaid).
CREATED = (None, S.UNPAID)


def audit(order) -> list[tuple[int | None, int]]:
    changes = OrderStatusChange.objects.filter(order=order).order_by("id")
    return list(changes.values_list("from_status", "to_status"))


def releases(order) -> list[int]:
    entries = CreditEntry.objects.filter(order=order, reason=CreditEntry.Reason.ORDER_RELEASE)
    return list(entries.values_list("amount", flat=True))


@pytest.fixture
def courses(make_course):
    return [make_course(price="100.00") for _ in range(6)]


def make_expired_orders(make_user, give_coupon, courses, *, users: int, per_user: int):
    """`users` users with START_CREDIT points, each with `per_user` expired unpaid orders of
    one course; every order holds credit (10, 20, ... points), every other one a coupon.
    Returns [(user, order, coupon or None)]."""
    placed = []
    for _ in range(users):
        user = make_user(credit=START_CREDIT)
        for index, course in enumerate(courses[:per_user]):
            coupon = give_coupon(user, sale="-10") if index % 2 == 0 else None
            placed.append(
                (user, place(user, course, coupon=coupon, credit=10 * (index + 1)), coupon)
            )
    expire([order for _, order, _ in placed])
    return placed


def assert_timed_out_once(order, coupon) -> None:
    order.refresh_from_db()
    assert order.status == S.TIMED_OUT, order
    assert audit(order) == [CREATED, (S.UNPAID, S.TIMED_OUT)]
    assert releases(order) == [order.credit]
    assert not CoursePurchase.objects.filter(order=order).exists()
    if coupon is not None:
        coupon.refresh_from_db()
        assert (coupon.status, coupon.order_id) == (UserCoupon.Status.UNUSED, None)


def test_sweeps_at_once_time_out_every_order_once(make_user, give_coupon, courses, make_course):
    """Two batch loops and two copies of the beat task, all at once, over 24 expired orders
    of 4 users (small batches, so they interleave): each order times out once, its coupon and
    credit come back once; paid and not-yet-expired orders are left alone."""
    spare_paid, spare_live = make_course(price="100.00"), make_course(price="100.00")
    for round_number in range(1, ROUNDS + 1):
        placed = make_expired_orders(make_user, give_coupon, courses, users=4, per_user=6)
        users = list({user.id: user for user, _, _ in placed}.values())
        # Beside them, per user: a paid expired order and an unpaid one not expired yet.
        paid, live = [], []
        for user in users:
            order = place(user, spare_paid, credit=5)
            assert services.order_record_paid(order_number=order.order_number)
            paid.append(order)
            coupon = give_coupon(user, sale="-10")
            live.append((place(user, spare_live, coupon=coupon, credit=7), coupon))
        expire(paid)

        outcomes = race(sweep_batches(5), sweep_batches(7), sweep_task(5), sweep_task(3))

        assert sum(o.value for o in outcomes) == len(placed)  # each counted by exactly one
        for _, order, coupon in placed:
            assert_timed_out_once(order, coupon)
        for user in users:
            # all the expired orders' credit is back; the live order still holds its 7
            assert assert_ledger_consistent(user, start=START_CREDIT) == START_CREDIT - 5 - 7
        for order in paid:
            order.refresh_from_db()
            assert order.status == S.PAID and audit(order) == [CREATED, (S.UNPAID, S.PAID)]
            assert releases(order) == []
        for order, coupon in live:
            order.refresh_from_db()
            coupon.refresh_from_db()
            assert order.status == S.UNPAID and audit(order) == [CREATED]
            assert (coupon.status, coupon.order_id) == (UserCoupon.Status.RESERVED, order.id)
        # a later sweep finds nothing to do and gives nothing back twice
        assert sweep_batches(5)() == 0
        assert CreditEntry.objects.filter(reason=CreditEntry.Reason.ORDER_RELEASE).count() == (
            len(placed) * round_number
        )


def test_payment_during_the_sweep_is_paid_or_timed_out_never_both(make_user, give_coupon, courses):
    """order_record_paid for 9 expired orders of 3 users while two sweeps run: each order is
    either paid (coupon used, credit spent, access granted, stays paid) or timed out (coupon
    and credit back, nothing granted), never both."""
    seen = set()
    settled_per_course = {course.id: 0 for course in courses}
    for _ in range(ROUNDS + 1):
        placed = make_expired_orders(make_user, give_coupon, courses, users=3, per_user=3)
        settles = [
            (lambda o=order: settle_with_trade(o.order_number, f"T{o.id}"))
            for _, order, _ in placed
        ]
        outcomes = race(sweep_batches(2), sweep_batches(4), *settles)

        sweeps, settled = outcomes[:2], outcomes[2:]
        assert sum(o.value for o in sweeps) == sum(1 for o in settled if o.value is False)
        for (user, order, coupon), outcome in zip(placed, settled, strict=True):
            order.refresh_from_db()
            line = order.lines.get()
            if outcome.value is True:
                seen.add("paid")
                settled_per_course[line.course_id] += 1
                assert (order.status, order.trades.get().trade_no) == (S.PAID, f"T{order.id}")
                assert audit(order) == [CREATED, (S.UNPAID, S.PAID)]
                assert releases(order) == []
                purchase = CoursePurchase.objects.get(user=user, course_id=line.course_id)
                assert purchase.order_id == order.id
                if coupon is not None:
                    coupon.refresh_from_db()
                    assert (coupon.status, coupon.order_id) == (UserCoupon.Status.USED, order.id)
            else:
                assert outcome.value is False
                seen.add("timed out")
                assert_timed_out_once(order, coupon)
                assert (
                    not CoursePurchase.objects.filter(user=user)
                    .filter(course_id=line.course_id)
                    .exists()
                )
        users = {user.id: user for user, _, _ in placed}.values()
        for user in users:
            spent = sum(
                o.credit for (u, o, _), r in zip(placed, settled, strict=True)
                if u.id == user.id and r.value
            )  # fmt: skip
            assert assert_ledger_consistent(user, start=START_CREDIT) == START_CREDIT - spent
        # never overwritten: a later sweep or a late duplicate confirmation changes nothing
        assert sweep_batches(5)() == 0
        for _, order, _ in placed:
            before = Order.objects.get(id=order.id).status
            assert services.order_record_paid(order_number=order.order_number) is False
            assert Order.objects.get(id=order.id).status == before
            assert len(audit(order)) == 2  # created, then paid or timed out
    for course in courses:
        course.refresh_from_db()
        assert course.students == settled_per_course[course.id]
    assert seen  # which outcomes occur depends on the scheduler


def test_cancel_during_the_sweep_releases_once(make_user, give_coupon, courses):
    """The buyers cancel 9 expired orders while two sweeps time them out: each order is
    cancelled or timed out, and its coupon and credit come back exactly once."""
    seen = set()
    for _ in range(ROUNDS):
        placed = make_expired_orders(make_user, give_coupon, courses, users=3, per_user=3)
        cancels = [
            (lambda u=user, o=order: services.order_record_cancelled(
                user_id=u.id, order_number=o.order_number
            ))
            for user, order, _ in placed
        ]  # fmt: skip
        outcomes = race(sweep_batches(2), sweep_task(4), *cancels)

        sweeps, cancelled = outcomes[:2], outcomes[2:]
        lost = [o for o in cancelled if o.error is not None]
        assert codes(lost) == ["order_not_unpaid"] * len(lost)
        assert sum(o.value for o in sweeps) == len(lost)
        for (_, order, coupon), outcome in zip(placed, cancelled, strict=True):
            order.refresh_from_db()
            expected = S.TIMED_OUT if outcome.error else S.CANCELLED
            seen.add(expected)
            assert order.status == expected
            assert audit(order) == [CREATED, (S.UNPAID, expected)]
            assert releases(order) == [order.credit]
            if coupon is not None:
                coupon.refresh_from_db()
                assert (coupon.status, coupon.order_id) == (UserCoupon.Status.UNUSED, None)
        for user in {user.id: user for user, _, _ in placed}.values():
            assert assert_ledger_consistent(user, start=START_CREDIT) == START_CREDIT
    assert not Course.objects.filter(students__gt=0).exists()
    assert seen


def sweep_in_parallel(batch_size: int, workers: int):
    """The sweep's step 1 with its batches applied `workers` at a time (worker threads, each
    on its own connection); returns how many it timed out."""
    return lambda: services.orders_time_out_due(
        now=timezone.now(), batch_size=batch_size, workers=workers
    )


def test_parallel_batches_beside_sweeps_and_payments(make_user, give_coupon, courses):
    """A sweep applying batches of 2 on 3 workers, beside a sequential sweep and payments of
    a third of the 18 expired orders: each order is paid or timed out once, never both; each
    timed-out order's coupon and credit come back once; every ledger adds up."""
    seen = set()
    for _ in range(ROUNDS):
        placed = make_expired_orders(make_user, give_coupon, courses, users=3, per_user=6)
        paying = placed[::3]
        settles = [
            (lambda o=order: settle_with_trade(o.order_number, f"T{o.id}"))
            for _, order, _ in paying
        ]
        outcomes = race(sweep_in_parallel(2, 3), sweep_batches(3), *settles)

        assert all(o.error is None for o in outcomes), [o.error for o in outcomes]
        sweeps, settled = outcomes[:2], outcomes[2:]
        paid_ids = {order.id for (_, order, _), o in zip(paying, settled, strict=True) if o.value}
        assert sum(o.value for o in sweeps) == len(placed) - len(paid_ids)
        for _, order, coupon in placed:
            if order.id in paid_ids:
                seen.add("paid")
                order.refresh_from_db()
                assert order.status == S.PAID and audit(order) == [CREATED, (S.UNPAID, S.PAID)]
                assert releases(order) == []
            else:
                seen.add("timed out")
                assert_timed_out_once(order, coupon)
        for user in {user.id: user for user, _, _ in placed}.values():
            spent = sum(o.credit for u, o, _ in placed if u.id == user.id and o.id in paid_ids)
            assert assert_ledger_consistent(user, start=START_CREDIT) == START_CREDIT - spent
        assert sweep_in_parallel(2, 3)() == 0
    assert "timed out" in seen


def test_a_failing_batch_stops_the_parallel_sweep(make_user, give_coupon, courses, monkeypatch):
    """A worker whose batch fails (a lost connection, say) stops the picking: the error
    reaches the caller once every worker has finished, the batches that failed are rolled
    back whole, and the next sweep times out the rest."""
    from luffy.orders.services import timeout

    placed = make_expired_orders(make_user, give_coupon, courses, users=2, per_user=6)
    apply = timeout._apply
    applied = []

    def failing(candidates, *, now):
        applied.append(len(candidates))
        if len(applied) == 2:
            raise RuntimeError("connection lost")
        return apply(candidates, now=now)

    monkeypatch.setattr(timeout, "_apply", failing)
    with pytest.raises(RuntimeError, match="connection lost"):
        services.orders_time_out_due(now=timezone.now(), batch_size=2, workers=2)
    assert len(applied) < len(placed) // 2  # the picking stopped before the end
    timed_out = Order.objects.filter(status=S.TIMED_OUT).count()
    assert timed_out == 2 * (len(applied) - 1)  # whole batches only, the failed one undone
    monkeypatch.setattr(timeout, "_apply", apply)
    assert sweep_in_parallel(2, 2)() == len(placed) - timed_out
    for _, order, coupon in placed:
        assert_timed_out_once(order, coupon)
