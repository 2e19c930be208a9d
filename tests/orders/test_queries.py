"""Query counts are part of the contract: checkout and "my orders" do a fixed number of SQL
queries however many lines and orders there are (the seed chapter needed 42 for a checkout
and 444 for a page of orders)."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from luffy.orders.models import Order, OrderLine
from tests.conftest import client_for
from tests.order_fixtures import checkout

# Checkout of a plain order: auth, lock the user, prices (3), owned, pending, order insert,
# its number, its audit row (created: issue 12 adds it), lines insert; on SQLite also BEGIN
# IMMEDIATE and COMMIT (PostgreSQL and MariaDB open and commit without a logged statement).
# A coupon adds 2 (read, reserve), credit 3 (update, balance, ledger row). Counted in a real
# transaction (transaction=True), as in a request, so no SAVEPOINT statements.
CHECKOUT_MAX_QUERIES = 16  # 15 before issue 12: checkout writes its audit row (created)
# My orders: auth, page of orders, their lines (with the course cover); a count only when the
# orders do not fit on the first page (luffy.common.pagination: the page's rows count it).
MY_ORDERS_QUERIES = 3
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK")


def data_statements(context) -> list[str]:
    """The captured statements that read or write data (not transaction control)."""
    sqls = [q["sql"] for q in context.captured_queries]
    return [sql for sql in sqls if not sql.upper().startswith(TRANSACTION_CONTROL)]


@pytest.fixture
def buyer(make_user):
    return make_user(credit=1000)


def fill_cart(client, make_course, make_discount, in_cart, lines: int):
    courses = [make_course(price="100.00", options=[(30, "30.00")]) for _ in range(lines)]
    make_discount(*courses[::2])
    for course in courses:
        in_cart(client, course)
    return courses


@pytest.mark.django_db(transaction=True)
def test_checkout_of_five_lines(
    buyer, make_course, make_discount, in_cart, django_assert_max_num_queries
):
    client = client_for(buyer)
    fill_cart(client, make_course, make_discount, in_cart, 5)
    with django_assert_max_num_queries(CHECKOUT_MAX_QUERIES):
        response = checkout(client)
    assert response.status_code == 201, response.json()
    assert Order.objects.get().lines.count() == 5


@pytest.mark.django_db(transaction=True)
def test_checkout_with_coupon_and_credit_does_not_grow_with_lines(
    buyer, make_course, make_discount, in_cart, give_coupon
):
    client = client_for(buyer)
    counts = {}
    for lines in (1, 5):
        fill_cart(client, make_course, make_discount, in_cart, lines)
        coupon = give_coupon(buyer, sale="-20")
        with CaptureQueriesContext(connection) as context:
            response = checkout(client, coupon_id=coupon.id, credit=100)
        assert response.status_code == 201, response.json()
        order = Order.objects.get(order_number=response.json()["order_number"])
        assert (order.lines.count(), order.coupon_amount, order.credit) == (lines, 20, 100)
        counts[lines] = len(data_statements(context))
        assert len(context) - counts[lines] <= 2  # BEGIN IMMEDIATE and COMMIT on SQLite
    assert counts[1] == counts[5] <= CHECKOUT_MAX_QUERIES


def make_orders(user, courses, count: int) -> None:
    """`count` unpaid orders of two lines each, written directly (checkout is tested above)."""
    now = timezone.now()
    orders = Order.objects.bulk_create(
        Order(
            order_number=f"T{user.id:06d}{i:06d}",
            user=user,
            title="two courses",
            total_price=Decimal("200.00"),
            discounted_price=Decimal("200.00"),
            real_price=Decimal("200.00"),
            pay_deadline=now + timedelta(hours=12),
            created_at=now - timedelta(minutes=i),
        )
        for i in range(count)
    )
    if orders[0].pk is None:  # backends that do not return ids from a bulk insert (MariaDB)
        orders = list(Order.objects.filter(user=user))
    OrderLine.objects.bulk_create(
        OrderLine(
            order=order,
            course=course,
            course_name=course.name,
            expire_id=0,
            expire_text="永久有效",
            expire_days=0,
            price=Decimal("100.00"),
            real_price=Decimal("100.00"),
        )
        for order in orders
        for course in courses
    )


@pytest.mark.django_db
@pytest.mark.parametrize("count", [5, 50, 51])
def test_my_orders_queries(buyer, make_course, django_assert_num_queries, count):
    make_orders(buyer, [make_course(), make_course()], count)
    client = client_for(buyer)
    with django_assert_num_queries(MY_ORDERS_QUERIES + (count > 50)):
        response = client.get("/api/orders/", {"size": 50})
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == count
    assert len(body["results"]) == min(count, 50)
    assert (body["next"] is None) == (count <= 50)
    assert all(len(order["lines"]) == 2 for order in body["results"])
    numbers = [order["order_number"] for order in body["results"]]
    assert numbers == sorted(numbers)  # newest first: created_at goes back with the number
