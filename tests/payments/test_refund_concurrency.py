"""Refunds of one order asked for at the same moment (two staff, or staff and the
reconciliation job): each refund the gateway confirms is counted once in the order's
refunded total, which always equals the confirmed refunds and never exceeds what was paid.

Threads, barrier, per-thread connections and the skip on SQLite: see
tests/orders/test_concurrency.py."""

from decimal import Decimal

import pytest

from luffy.orders.models import Order
from luffy.payments.models import Refund
from luffy.payments.services import order_refund
from tests.orders import test_concurrency
from tests.orders.test_concurrency import race
from tests.payments.test_refunds import paid_order  # noqa: F401 (fixture)

pytestmark = test_concurrency.pytestmark  # threaded, on every database

THREADS = 4


def confirmed(order) -> Decimal:
    amounts = Refund.objects.filter(order=order, status=Refund.Status.SUCCEEDED)
    return sum(amounts.values_list("amount", flat=True), Decimal(0))


@pytest.mark.parametrize("amount", [Decimal("30.00"), None], ids=["partial", "whole"])
def test_simultaneous_refunds_are_counted_once(sandbox, paid_order, amount):  # noqa: F811
    outcomes = race(
        *[
            lambda: order_refund(order_id=paid_order.id, amount=amount, reason="并发退款")
            for _ in range(THREADS)
        ]
    )
    assert any(o.error is None for o in outcomes)
    paid_order.refresh_from_db()
    total = confirmed(paid_order)
    assert paid_order.refunded_amount == total > 0
    assert total <= paid_order.real_price
    assert sandbox.trade(paid_order.order_number)["refund_fee"] == f"{total:.2f}"
    if total == paid_order.real_price:
        assert paid_order.status == Order.Status.REFUNDED
    assert paid_order.refunded_at is not None


def staff_member(django_user_model, name: str):
    return django_user_model.objects.create_user(
        username=name, password="x", mobile=f"139{abs(hash(name)) % 10**8:08d}", is_staff=True
    )


# Two staff members press 退款 on the same 90.00 order at once, each with their own amount
# (None: everything not refunded yet). Whatever order the database lets them through in, each
# staff member is told the truth: a success is their own refund of their own amount, sent to
# the gateway once; a refusal is a clear domain error and leaves nothing behind.
@pytest.mark.parametrize(
    "amounts",
    [("30.00", "40.00"), ("60.00", "50.00"), (None, "30.00"), (None, None)],
    ids=["both-fit", "only-one-fits", "whole-and-part", "whole-twice"],
)
def test_two_staff_refund_the_same_order(
    sandbox,
    paid_order,  # noqa: F811
    django_user_model,
    amounts,
):
    from tests.books import assert_books_balanced

    staff = [staff_member(django_user_model, f"finance{i}") for i in range(len(amounts))]
    asked = [None if a is None else Decimal(a) for a in amounts]

    def press_refund(member, amount):
        return lambda: order_refund(
            order_id=paid_order.id, amount=amount, reason=f"{member.username} 退款",
            staff_user_id=member.id,
        )  # fmt: skip

    outcomes = race(*[press_refund(m, a) for m, a in zip(staff, asked, strict=True)])
    assert any(o.error is None for o in outcomes)
    refunds = list(Refund.objects.filter(order=paid_order).order_by("id"))
    assert all(r.status == Refund.Status.SUCCEEDED for r in refunds), refunds  # none left hanging
    succeeded = [
        (o, member, amount)
        for o, member, amount in zip(outcomes, staff, asked, strict=True)
        if o.error is None
    ]
    # Each success is that staff member's own refund, and each refund was reported to one of them.
    assert sorted(o.value.id for o, _m, _a in succeeded) == [r.id for r in refunds]
    for outcome, member, amount in succeeded:
        assert outcome.value.staff_user_id == member.id
        if amount is not None:
            assert outcome.value.amount == amount
    for outcome in outcomes:
        if outcome.error is not None:
            assert outcome.error.code in {"refund_amount", "refund_in_progress", "order_not_paid"}
    paid_order.refresh_from_db()
    total = confirmed(paid_order)
    assert 0 < total <= paid_order.real_price
    assert paid_order.refunded_amount == total
    trade = sandbox.trade(paid_order.order_number)
    assert trade["refund_fee"] == f"{total:.2f}"
    # Sent once each: the gateway knows exactly the refunds the store recorded.
    assert sorted((r["out_request_no"], r["amount"]) for r in trade["refunds"]) == sorted(
        (r.out_request_no, f"{r.amount:.2f}") for r in refunds
    )
    expected = Order.Status.REFUNDED if total == paid_order.real_price else Order.Status.PAID
    assert paid_order.status == expected
    assert_books_balanced()
