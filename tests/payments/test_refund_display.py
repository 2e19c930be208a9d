"""What a student sees of a refund: the amount and time on the order (partial or full), and a
course whose access a refund took back shown as refunded, not expired."""

from datetime import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.orders.models import Order
from luffy.payments.services import order_refund
from tests.payments.test_refunds import paid_order  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def my_order(client, order) -> dict:
    listed = client.get("/api/orders/").json()["results"]
    detail = client.get(f"/api/orders/{order.order_number}/").json()
    assert [o for o in listed if o["order_number"] == order.order_number] == [detail]
    return detail


def test_a_new_paid_order_shows_nothing_refunded(auth_client, paid_order):  # noqa: F811
    shown = my_order(auth_client, paid_order)
    assert shown["refunded_amount"] == "0.00" and shown["refunded_at"] is None


def test_a_partial_refund_shows_on_the_paid_order(auth_client, paid_order):  # noqa: F811
    before = timezone.now()
    order_refund(order_id=paid_order.id, amount=Decimal("30.00"), reason="partly")
    shown = my_order(auth_client, paid_order)
    assert shown["status"] == Order.Status.PAID
    assert shown["refunded_amount"] == "30.00"
    assert datetime.fromisoformat(shown["refunded_at"]) >= before.replace(microsecond=0)
    (course,) = auth_client.get("/api/users/me/courses/").json()
    assert course["active"] and course["refunded_at"] is None  # the access stays


def test_a_full_refund_shows_the_total_and_the_course_as_refunded(
    auth_client,
    paid_order,  # noqa: F811
):
    order_refund(order_id=paid_order.id, amount=Decimal("30.00"), reason="partly")
    order_refund(order_id=paid_order.id, reason="the rest")
    shown = my_order(auth_client, paid_order)
    assert shown["status"] == Order.Status.REFUNDED
    assert shown["refunded_amount"] == "90.00" == shown["real_price"]
    (course,) = auth_client.get("/api/users/me/courses/").json()
    assert not course["active"]
    assert course["refunded_at"] is not None
    access = auth_client.get(f"/api/courses/{course['course_id']}/access/").json()
    assert access["refunded"] and not access["expired"]  # no renewal offered for it


def test_a_course_bought_again_after_a_refund_is_no_longer_refunded(
    auth_client,
    user,
    paid_order,  # noqa: F811
):
    order_refund(order_id=paid_order.id, reason="all")
    purchase = CoursePurchase.objects.get(user=user)
    assert purchase.revoked_at is not None
    from luffy.access.services import access_grant

    access_grant(user_id=user.id, order_id=paid_order.id, lines=[(purchase.course_id, 30)],
                 at=timezone.now())  # fmt: skip
    (course,) = auth_client.get("/api/users/me/courses/").json()
    assert course["active"] and course["refunded_at"] is None


def test_an_expired_course_is_not_called_refunded(auth_client, user, paid_order):  # noqa: F811
    CoursePurchase.objects.filter(user=user).update(expires_at=timezone.now())
    (course,) = auth_client.get("/api/users/me/courses/").json()
    assert not course["active"] and course["refunded_at"] is None
    access = auth_client.get(f"/api/courses/{course['course_id']}/access/").json()
    assert access["expired"] and not access["refunded"]
