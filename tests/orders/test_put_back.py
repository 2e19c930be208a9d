"""A cancelled or timed-out order's courses go back in the cart with their validity options;
courses owned now or no longer on sale are skipped and named."""

from datetime import timedelta

import pytest
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.catalog.models import Course, CourseExpire
from luffy.orders.models import Order
from tests.order_fixtures import checkout

pytestmark = pytest.mark.django_db


@pytest.fixture
def cancelled(auth_client, make_course, in_cart):
    """An order for a course bought for 30 days and a permanent one, cancelled: (order, a, b)."""
    month = make_course(name="按月课", options=[(30, "30.00")])
    forever = make_course(name="永久课", options=[(30, "30.00")])
    in_cart(auth_client, month, CourseExpire.objects.get(course=month).id)
    in_cart(auth_client, forever, 0)
    number = checkout(auth_client).json()["order_number"]
    assert auth_client.get("/api/cart/").json()["lines"] == []  # they left with the order
    assert auth_client.post(f"/api/orders/{number}/cancel/").status_code == 200
    return number, month, forever


def put_back(client, number):
    return client.post(f"/api/orders/{number}/cart/")


def test_the_courses_come_back_with_their_options(auth_client, cancelled):
    number, month, forever = cancelled
    response = put_back(auth_client, number)
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["skipped"] == [] and body["cart_num"] == 2
    option = CourseExpire.objects.get(course=month).id
    assert {(a["course_id"], a["expire_id"], a["option_changed"]) for a in body["added"]} == {
        (month.id, option, False),
        (forever.id, 0, False),
    }
    lines = {line["course_id"]: line for line in auth_client.get("/api/cart/").json()["lines"]}
    assert lines[month.id]["expire_id"] == option and lines[month.id]["selected"]
    assert lines[forever.id]["expire_id"] == 0
    assert put_back(auth_client, number).json()["cart_num"] == 2  # twice: the same two lines


def test_owned_and_off_sale_courses_are_skipped_and_named(auth_client, user, cancelled):
    number, month, forever = cancelled
    CoursePurchase.objects.create(user=user, course=month, expires_at=None)
    Course.objects.filter(id=forever.id).update(status=Course.Status.OFFLINE)
    Course.objects.get(id=forever.id).save()  # the catalog cache follows the change
    body = put_back(auth_client, number).json()
    assert body["added"] == [] and body["cart_num"] == 0
    assert {(s["name"], s["reason"]) for s in body["skipped"]} == {
        ("按月课", "owned"),
        ("永久课", "off_sale"),
    }
    assert all(s["reason_text"] for s in body["skipped"])


def test_an_option_no_longer_offered_falls_back_to_the_default(auth_client, cancelled):
    number, month, _forever = cancelled
    CourseExpire.objects.filter(course=month).delete()
    Course.objects.get(id=month.id).save()
    added = {a["course_id"]: a for a in put_back(auth_client, number).json()["added"]}
    assert added[month.id]["expire_id"] == 0 and added[month.id]["option_changed"]


def test_an_expired_purchase_does_not_count_as_owned(auth_client, user, cancelled):
    number, month, _forever = cancelled
    CoursePurchase.objects.create(
        user=user, course=month, expires_at=timezone.now() - timedelta(days=1)
    )
    assert len(put_back(auth_client, number).json()["added"]) == 2


def test_only_closed_orders_of_mine(auth_client, make_user, make_course, in_cart, cancelled):
    number, *_ = cancelled
    from tests.conftest import client_for

    other = client_for(make_user())
    assert put_back(other, number).json()["code"] == "order_not_found"
    in_cart(auth_client, make_course())
    unpaid = checkout(auth_client).json()["order_number"]
    refused = put_back(auth_client, unpaid)
    assert refused.status_code == 409 and refused.json()["code"] == "order_not_closed"
    Order.objects.filter(order_number=unpaid).update(status=Order.Status.TIMED_OUT)
    assert put_back(auth_client, unpaid).status_code == 200


def test_a_full_cart_skips_what_does_not_fit(
    auth_client, settings, make_course, in_cart, cancelled
):
    number, *_ = cancelled
    settings.CART_MAX_LINES = 1
    in_cart(auth_client, make_course())
    body = put_back(auth_client, number).json()
    assert [s["reason"] for s in body["skipped"]] == ["cart_full", "cart_full"]
