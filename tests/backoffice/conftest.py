"""Shared by the dashboard's tests: orders with a line and refunds, at the times the test says."""

from datetime import timedelta

import pytest

from luffy.orders.models import Order, OrderLine
from luffy.payments.models import Refund


@pytest.fixture
def make_order(make_user, make_course):
    buyer = make_user()
    course = make_course(name="数据结构")
    numbers = iter(range(1, 10_000))

    def make(
        *,
        created,
        paid=None,
        price="100.00",
        status=None,
        refunds=(),
        course=course,
        course_name=None,
    ):
        order = Order.objects.create(
            order_number=f"N{next(numbers)}", user=buyer, title=course.name,
            status=status if status is not None else (Order.Status.PAID if paid else 0),
            total_price=price, discounted_price=price, real_price=price,
            pay_deadline=created + timedelta(hours=12), created_at=created, paid_at=paid,
        )  # fmt: skip
        OrderLine.objects.create(
            order=order, course=course, course_name=course_name or course.name, expire_id=0,
            expire_text="永久有效", expire_days=0, price=price, real_price=price,
        )  # fmt: skip
        for n, (amount, at, status_) in enumerate(refunds, start=1):
            refund = Refund.objects.create(
                order=order, out_request_no=f"{order.order_number}R{n}", amount=amount,
                reason="r", status=status_,
            )  # fmt: skip
            Refund.objects.filter(id=refund.id).update(created_at=at)
        return order

    return make
