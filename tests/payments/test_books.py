"""The books check: silent on the books a clean flow writes (every status, coupon and credit
path, late payments both ways, a staff refund), loud on each kind of hand-made damage."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.db.models import F
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.coupons.models import UserCoupon
from luffy.orders import services as orders
from luffy.orders.models import Order, OrderStatusChange
from luffy.orders.services import checkout
from luffy.payments import alipay
from luffy.payments import services as payments
from luffy.payments.books import CHECKS, AnomalyKind, books_check
from luffy.payments.models import PaymentMessage, Refund, Trade
from luffy.users.credits import credit_change
from luffy.users.models import CreditEntry, User
from tests.books import assert_books_balanced
from tests.payments.test_notify import notify_params

pytestmark = pytest.mark.django_db
S = Order.Status
_trades = itertools.count(1)


def grant(user, points: int) -> None:
    """Credit the way the store's data has it: a ledger row for every change."""
    credit_change(user_id=user.id, amount=points, reason=CreditEntry.Reason.GRANT)


@pytest.fixture
def place(monkeypatch, make_user, make_course, give_coupon):
    """place(coupon=True, credit=100) -> (user, order, user coupon or None): an unpaid order
    of one new 100.00 course by a new user holding 500 points."""
    selected = []
    monkeypatch.setattr(checkout, "cart_selected_items", lambda *, user_id: list(selected))

    def make(*, coupon: bool = True, credit: int = 100, price: str = "100.00"):
        user = make_user()
        grant(user, 500)
        user_coupon = give_coupon(user, sale="-10") if coupon else None
        selected[:] = [(make_course(price=price).id, 0)]
        order = orders.order_create(
            user_id=user.id,
            pay_type=Order.PayType.ALIPAY,
            coupon_id=user_coupon.id if user_coupon else None,
            credit=credit,
        ).order
        Order.objects.filter(id=order.id).update(sent_to_gateway_at=timezone.now())
        return user, order, user_coupon

    return make


def notify(order) -> str:
    trade_no = f"2026{next(_trades):020d}"
    assert payments.payment_notify(data=notify_params(order, trade_no=trade_no))
    return PaymentMessage.objects.filter(out_trade_no=order.order_number).latest("id").outcome


@pytest.fixture
def refunds_succeed(monkeypatch):
    def refund(**kwargs):
        return {"code": alipay.SUCCESS, "msg": "Success", "fund_change": "Y"}

    monkeypatch.setattr(alipay, "trade_refund", refund)


@pytest.fixture
def books(place, refunds_succeed):
    """One order in each state the store writes; returns them by name."""
    made = {}
    made["paid"] = place()
    assert notify(made["paid"][1]) == "settled"
    made["paid_plain"] = place(coupon=False, credit=0)
    assert notify(made["paid_plain"][1]) == "settled"
    made["free"] = place(coupon=False, credit=100, price="10.00")  # nothing to pay
    made["unpaid"] = place()
    made["cancelled"] = place()
    orders.order_record_cancelled(
        user_id=made["cancelled"][0].id, order_number=made["cancelled"][1].order_number
    )
    made["timed_out"] = place()
    Order.objects.filter(id=made["timed_out"][1].id).update(
        pay_deadline=timezone.now() - timedelta(seconds=1), sent_to_gateway_at=None
    )
    assert orders.orders_record_timed_out(now=timezone.now()) == 1
    made["late_settled"] = place()
    user, order, _ = made["late_settled"]
    orders.order_record_cancelled(user_id=user.id, order_number=order.order_number)
    assert notify(order) == "late_settled"
    made["late_refunded"] = place()
    user, order, _ = made["late_refunded"]
    orders.order_record_cancelled(user_id=user.id, order_number=order.order_number)
    credit_change(user_id=user.id, amount=-450, reason=CreditEntry.Reason.ADJUSTMENT)
    assert notify(order) == "refunded"
    made["staff_refunded"] = place()
    assert notify(made["staff_refunded"][1]) == "settled"
    payments.order_refund(order_id=made["staff_refunded"][1].id, reason="customer asked")
    statuses = {name: Order.objects.get(id=o.id).status for name, (_, o, _) in made.items()}
    assert statuses == {
        "paid": S.PAID, "paid_plain": S.PAID, "free": S.PAID, "unpaid": S.UNPAID,
        "cancelled": S.CANCELLED, "timed_out": S.TIMED_OUT, "late_settled": S.PAID,
        "late_refunded": S.REFUNDED, "staff_refunded": S.REFUNDED,
    }  # fmt: skip
    return made


def found(kind: AnomalyKind) -> set[str]:
    return {a.order_number for a in books_check() if a.kind == kind}


def test_a_clean_flow_balances_in_a_fixed_number_of_queries(
    books, place, django_assert_num_queries
):
    # 9 checks; the coupon and trade checks read two sets each
    with django_assert_num_queries(len(CHECKS) + 2):
        assert books_check() == []
    for _ in range(3):  # more orders, the same number of queries
        assert notify(place()[1]) == "settled"
    with django_assert_num_queries(len(CHECKS) + 2):
        assert books_check() == []
    assert_books_balanced()


def test_the_command_says_so(books, capsys):
    call_command("check_books")
    assert "没有异常" in capsys.readouterr().out

    User.objects.filter(id=books["paid"][0].id).update(credit=F("credit") + 1)
    with pytest.raises(CommandError) as error:
        call_command("check_books")
    assert error.value.returncode == 1
    assert "1 处异常" in str(error.value)
    assert "credit_ledger" in capsys.readouterr().out


def test_the_helper_fails_on_bad_books(books):
    User.objects.filter(id=books["paid"][0].id).update(credit=F("credit") + 1)
    with pytest.raises(AssertionError, match="credit_ledger"):
        assert_books_balanced()


def number(books, name: str) -> str:
    return books[name][1].order_number


def test_paid_twice_or_never(books):
    order = books["paid"][1]
    OrderStatusChange.objects.create(order=order, from_status=S.UNPAID, to_status=S.PAID)
    Order.objects.filter(id=books["unpaid"][1].id).update(status=S.PAID)  # no transition
    assert found(AnomalyKind.SETTLEMENTS) == {order.order_number, number(books, "unpaid")}


def test_a_paid_line_without_access(books):
    CoursePurchase.objects.filter(order=books["paid_plain"][1]).delete()
    assert found(AnomalyKind.MISSING_PURCHASE) == {number(books, "paid_plain")}


def test_a_purchase_record_extended_by_a_later_order_still_counts(books):
    later = books["late_settled"][1]
    CoursePurchase.objects.filter(order=books["paid"][1]).update(order=later)
    assert found(AnomalyKind.MISSING_PURCHASE) == set()


def test_settled_late_and_refunded_late(books):
    """Section 1's defect as it lands in the books: paid, with the late refund sent."""
    order = books["late_settled"][1]
    Refund.objects.create(
        order=order, out_request_no=f"{order.order_number}LATE", amount=order.real_price,
        reason="late", status=Refund.Status.SUCCEEDED,
    )  # fmt: skip
    # and a history with both a late settlement and a late refund
    other = books["late_refunded"][1]
    OrderStatusChange.objects.create(order=other, from_status=S.CANCELLED, to_status=S.PAID)
    assert found(AnomalyKind.SETTLED_AND_REFUNDED) == {order.order_number, other.order_number}


def test_a_failed_late_refund_is_no_anomaly(books):
    order = books["late_settled"][1]
    Refund.objects.create(
        order=order, out_request_no=f"{order.order_number}LATE", amount=order.real_price,
        reason="late", status=Refund.Status.FAILED,
    )  # fmt: skip
    assert books_check() == []


def test_one_coupon_spent_by_two_orders(books):
    coupon = books["paid"][2]
    Order.objects.filter(id=books["late_settled"][1].id).update(user_coupon=coupon)
    kinds = {a.kind for a in books_check()}
    assert AnomalyKind.COUPON_SHARED in kinds


def test_coupon_states(books):
    # an unpaid order whose coupon was released under it
    UserCoupon.objects.filter(id=books["unpaid"][2].id).update(
        status=UserCoupon.Status.UNUSED, order=None
    )
    # a paid order whose coupon is still only reserved
    UserCoupon.objects.filter(id=books["paid"][2].id).update(status=UserCoupon.Status.RESERVED)
    # a cancelled order still holding its coupon
    cancelled = books["cancelled"][1]
    UserCoupon.objects.filter(id=books["cancelled"][2].id).update(
        status=UserCoupon.Status.USED, order=cancelled
    )
    assert found(AnomalyKind.COUPON_STATE) == {
        number(books, "unpaid"), number(books, "paid"), cancelled.order_number,
    }  # fmt: skip


def test_a_balance_off_its_ledger(books):
    user = books["cancelled"][0]
    User.objects.filter(id=user.id).update(credit=F("credit") - 3)
    anomalies = [a for a in books_check() if a.kind == AnomalyKind.CREDIT_LEDGER]
    assert len(anomalies) == 1 and f"用户 {user.id} " in anomalies[0].detail
    # a balance set without a ledger row (as some unit tests do) is reported too
    User.objects.filter(id=user.id).update(credit=F("credit") + 3)
    assert books_check() == []
    User.objects.create_user(username="nobody", mobile="13999999999", password="x", credit=7)
    anomalies = [a for a in books_check() if a.kind == AnomalyKind.CREDIT_LEDGER]
    assert len(anomalies) == 1 and "有 7 积分；流水合计 0" in anomalies[0].detail


def test_credit_released_twice(books):
    order, user = books["cancelled"][1], books["cancelled"][0]
    credit_change(user_id=user.id, amount=order.credit, reason="order_release", order=order)
    assert found(AnomalyKind.ORDER_CREDIT) == {order.order_number}
    assert found(AnomalyKind.CREDIT_LEDGER) == set()  # the ledger itself adds up


def test_a_trade_settled_for_the_wrong_amount_or_order(books):
    message = PaymentMessage.objects.get(out_trade_no=number(books, "paid"), outcome="settled")
    PaymentMessage.objects.filter(id=message.id).update(raw={**message.raw, "total_amount": "1.00"})
    # an order with a gateway trade number although it never got paid (its Trade holds it)
    cancelled = books["cancelled"][1]
    Trade.objects.create(
        order=cancelled, gateway="alipay", out_trade_no=cancelled.order_number,
        amount=cancelled.real_price, trade_no="2026X", status=Trade.Status.PAID,
    )  # fmt: skip
    assert found(AnomalyKind.TRADE_MISMATCH) == {number(books, "paid"), number(books, "cancelled")}


def test_one_trade_on_two_orders_is_refused_by_the_database(books):
    from django.db import IntegrityError, transaction

    paid = Trade.objects.get(order_id=books["paid"][1].id)
    with pytest.raises(IntegrityError), transaction.atomic():
        Trade.objects.filter(order_id=books["late_settled"][1].id).update(trade_no=paid.trade_no)


def test_a_refunded_total_off_the_confirmed_refunds(books):
    _, staff_refunded, _ = books["staff_refunded"]
    _, paid, _ = books["paid"]
    Order.objects.filter(id=staff_refunded.id).update(refunded_amount=F("refunded_amount") - 1)
    Order.objects.filter(id=paid.id).update(refunded_amount=1)  # shown, never refunded
    assert found(AnomalyKind.REFUNDED_TOTAL) == {staff_refunded.order_number, paid.order_number}
