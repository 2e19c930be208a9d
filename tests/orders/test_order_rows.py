""" "My orders" and the order page are written from value rows by orders_data, not by
OrderSerializer (issue 13: reads close to their floor). The serializer stays the documented
shape: both must write the same JSON, for every status, with and without covers, discounts,
payment and refund times, in Shanghai time and in UTC. The rows are read with fixed SQL per
database vendor (selectors._RowStatements), so these run on SQLite, PostgreSQL and MariaDB."""

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


@pytest.fixture
def many_orders(user, make_user, make_course):
    """14 orders unlike each other: every status, partial and full refunds, coupons, credit,
    one to three lines (covers or not, a running sale or not), amounts at the edges, times
    with and without microseconds, two orders created at the same instant (the id decides),
    and another student's order that must never show."""
    courses = [
        make_course(name=f"课程{i}", cover=f"courses/covers/c{i}.png" if i % 2 else "")
        for i in range(3)
    ]
    moment = timezone.now().replace(microsecond=0)
    amounts = [
        (Decimal("0.30"), Decimal("0.10")), (Decimal("99999999.99"), Decimal("99999999.99")),
        (Decimal("12345678.05"), Decimal("2345678.15")), (Decimal("100.00"), Decimal("80.20")),
        (Decimal("1.01"), Decimal("1.00")), (Decimal("59.90"), Decimal("47.92")),
    ]  # fmt: skip
    made = []
    for i in range(14):
        status = list(Order.Status)[i % len(Order.Status)]
        total, discounted = amounts[i % len(amounts)]
        coupon = min(Decimal("5.00"), discounted) if i % 3 == 0 else Decimal("0.00")
        credit = min(Decimal("0.50") * (i % 4), discounted - coupon)
        real = discounted - coupon - credit
        paid = status in (Order.Status.PAID, Order.Status.REFUNDED)
        refunded = real if status == Order.Status.REFUNDED else (real / 2 if paid else 0)
        created = moment - timedelta(hours=i // 2)  # two by two at the same instant
        order = Order.objects.create(
            order_number=f"V{i:04d}", user=user, title=f"订单 {i}", status=status,
            total_price=total, discounted_price=discounted, coupon_amount=coupon,
            credit=int(credit * 10), credit_amount=credit, real_price=real,
            pay_deadline=created + timedelta(minutes=30, microseconds=i * 7),
            paid_at=created + timedelta(minutes=1) if paid else None,
            refunded_amount=Decimal(refunded).quantize(Decimal("0.01")),
            refunded_at=created + timedelta(days=1, microseconds=1) if refunded else None,
            created_at=created,
        )  # fmt: skip
        for n, course in enumerate(courses[: 1 + i % 3]):
            OrderLine.objects.create(
                order=order, course=course, course_name=course.name, expire_id=n,
                expire_text="永久有效" if n == 0 else f"{30 * n}天有效", expire_days=30 * n,
                price=total, real_price=discounted, discount_name="限时折扣" if n % 2 else "",
            )  # fmt: skip
        made.append(order)
    other = Order.objects.create(
        order_number="X0001", user=make_user(), title="别人的", total_price=Decimal("1.00"),
        discounted_price=Decimal("1.00"), real_price=Decimal("1.00"),
        pay_deadline=moment, created_at=moment,
    )  # fmt: skip
    OrderLine.objects.create(
        order=other, course=courses[0], course_name="x", expire_id=0, expire_text="永久有效",
        expire_days=0, price=Decimal("1.00"), real_price=Decimal("1.00"),
    )  # fmt: skip
    return made


def documented_pages(user, *, size, status=None):
    """What the list must answer, page by page, from the ORM and OrderSerializer."""
    orders = Order.objects.filter(user=user).order_by("-created_at", "-id")
    if status is not None:
        orders = orders.filter(status=status)
    numbers = list(orders.values_list("order_number", flat=True))
    pages = [numbers[i : i + size] for i in range(0, len(numbers), size)] or [[]]
    return len(numbers), [
        [as_json(OrderSerializer(order_get(user_id=user.id, order_number=n)).data) for n in page]
        for page in pages
    ]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC", "Asia/Kolkata"])
@pytest.mark.parametrize("status", [None, Order.Status.PAID, Order.Status.UNPAID])
def test_every_page_of_a_variety_of_orders_is_what_the_serializer_documents(
    user, many_orders, zone, status
):
    client = client_for(user)
    filters = {} if status is None else {"status": int(status)}
    with timezone.override(zone):
        for size in (50, 4):
            count, pages = documented_pages(user, size=size, status=status)
            for number, expected in enumerate(pages, start=1):
                body = client.get("/api/orders/", {**filters, "size": size, "page": number})
                assert body.status_code == 200
                body = body.json()
                assert (body["count"], body["results"]) == (count, expected)
                assert (body["next"] is None) == (number == len(pages))
                assert (body["previous"] is None) == (number == 1)
            past = client.get("/api/orders/", {**filters, "size": size, "page": len(pages) + 1})
            assert past.status_code == 404
        for order in many_orders:
            page = client.get(f"/api/orders/{order.order_number}/").json()
            detail = OrderSerializer(order_get(user_id=user.id, order_number=order.order_number))
            assert page == as_json(detail.data)


def test_an_empty_list_is_one_empty_page(user, django_assert_num_queries):
    client = client_for(user)
    with django_assert_num_queries(2):  # the user (JWT), the page: no lines, no COUNT(*)
        body = client.get("/api/orders/").json()
    assert (body["count"], body["results"], body["next"], body["previous"]) == (0, [], None, None)
    assert client.get("/api/orders/", {"page": 2}).status_code == 404
