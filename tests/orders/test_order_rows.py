""" "My orders" and the order page are written from value rows by orders_data, not by
OrderSerializer (issue 13: reads close to their floor). The serializer stays the documented
shape: both must write the same JSON, for every status, with and without covers, discounts,
payment and refund times, in Shanghai time and in UTC."""

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from luffy.orders.models import Order, OrderLine
from luffy.orders.selectors import order_get
from luffy.orders.serializers import OrderSerializer
from tests.conftest import client_for


def as_json(data):
    return json.loads(JSONRenderer().render(data))


@pytest.fixture
def orders_of_every_kind(user, make_course):
    covered = make_course(name="有封面", cover="courses/covers/a b.png")
    plain = make_course(name="无封面")
    now = timezone.now()
    orders = []
    for i, status in enumerate(Order.Status):
        coupon = Decimal("10.00") if i % 2 else Decimal("0.00")
        credit = Decimal(i * 10).quantize(Decimal("0.01"))
        real = Decimal("160.40") - coupon - credit
        order = Order.objects.create(
            order_number=f"R{i:04d}",
            user=user,
            title=f"order {i}",
            status=status,
            total_price=Decimal("200.00"),
            discounted_price=Decimal("160.40"),
            coupon_amount=coupon,
            credit=100 * i,
            credit_amount=credit,
            real_price=real,
            pay_deadline=now + timedelta(minutes=30),
            paid_at=now if status in (Order.Status.PAID, Order.Status.REFUNDED) else None,
            refunded_amount=real if status == Order.Status.REFUNDED else 0,
            refunded_at=now if status == Order.Status.REFUNDED else None,
            created_at=now - timedelta(minutes=i, microseconds=i * 1001),
        )
        for course, discount in ((covered, "限时折扣"), (plain, "")):
            OrderLine.objects.create(
                order=order, course=course, course_name=course.name, expire_id=i,
                expire_text="永久有效" if i == 0 else f"{30 * i}天有效", expire_days=30 * i,
                price=Decimal("100.00"), real_price=Decimal("80.20"), discount_name=discount,
            )  # fmt: skip
        orders.append(order)
    return orders


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_my_orders_and_the_order_page_write_what_the_serializer_documents(
    user, orders_of_every_kind, zone
):
    client = client_for(user)
    with timezone.override(zone):
        listed = client.get("/api/orders/", {"size": 50}).json()["results"]
        models = [order_get(user_id=user.id, order_number=o["order_number"]) for o in listed]
        expected = [as_json(OrderSerializer(order).data) for order in models]
        assert listed == expected
        assert len(listed) == len(Order.Status)
        assert {o["status_text"] for o in listed} == {
            "未支付", "已支付", "已取消", "已超时", "已退款"
        }  # fmt: skip
        assert listed[0]["lines"][0]["cover"].startswith("/media/courses/covers/a")
        for order in orders_of_every_kind:
            page = client.get(f"/api/orders/{order.order_number}/").json()
            detail = OrderSerializer(order_get(user_id=user.id, order_number=order.order_number))
            assert page == as_json(detail.data)
    if zone == "UTC":
        assert listed[0]["created_at"].endswith("Z")
    else:
        assert listed[0]["created_at"].endswith("+08:00")


def test_the_order_page_costs_three_queries(user, orders_of_every_kind, django_assert_num_queries):
    client = client_for(user)
    with django_assert_num_queries(3):  # the user (JWT), the order, its lines
        assert client.get("/api/orders/R0001/").status_code == 200


def test_someone_elses_order_is_not_found(user, make_user, orders_of_every_kind):
    response = client_for(make_user()).get("/api/orders/R0001/")
    assert response.status_code == 404
    assert response.json()["code"] == "order_not_found"


@pytest.mark.parametrize(
    "total, discounted, line_price",
    [
        (Decimal("99999999.99"), Decimal("0.10"), Decimal("99999999.99")),
        (Decimal("0.30"), Decimal("0.10"), Decimal("0.10")),
        (Decimal("1.01"), Decimal("1.00"), Decimal("0.00")),
        (Decimal("12345678.05"), Decimal("2345678.15"), Decimal("1.05")),
    ],
)
def test_amounts_at_the_edges_are_written_to_the_cent(
    user, make_course, total, discounted, line_price
):
    # SQLite stores these columns as floats or ints: the largest amount a column holds, the
    # smallest, and the difference of two (sale_amount) must still write to the cent.
    course = make_course(name="边界金额")
    order = Order.objects.create(
        order_number="E0001", user=user, title="edge", status=Order.Status.PAID,
        total_price=total, discounted_price=discounted, coupon_amount=Decimal("0.00"),
        credit=0, credit_amount=Decimal("0.00"), real_price=discounted,
        pay_deadline=timezone.now(), paid_at=timezone.now(), refunded_amount=discounted,
    )  # fmt: skip
    OrderLine.objects.create(
        order=order, course=course, course_name=course.name, expire_id=0, expire_text="永久有效",
        expire_days=0, price=line_price, real_price=line_price, discount_name="",
    )  # fmt: skip
    client = client_for(user)
    listed = client.get("/api/orders/").json()["results"]
    expected = as_json(OrderSerializer(order_get(user_id=user.id, order_number="E0001")).data)
    assert listed == [expected]
    assert client.get("/api/orders/E0001/").json() == expected
    assert listed[0]["total_price"] == f"{total}"
    assert listed[0]["sale_amount"] == f"{total - discounted}"
    assert listed[0]["lines"][0]["price"] == f"{line_price}"
