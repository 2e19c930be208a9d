from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.catalog.models import Course
from luffy.coupons.models import UserCoupon
from luffy.orders import services
from luffy.orders.models import Order, OrderStatusChange
from luffy.users.models import CreditEntry
from tests.conftest import client_for
from tests.order_fixtures import checkout, settle_with_trade

pytestmark = pytest.mark.django_db


@pytest.fixture
def unpaid_order(auth_client, user, make_course, in_cart, give_coupon):
    """An unpaid order of `user` holding a coupon and 200 credit points."""
    user.credit = 500
    user.save()
    coupon = give_coupon(user, sale="-10")
    in_cart(auth_client, make_course(price="100.00"))
    body = checkout(auth_client, coupon_id=coupon.id, credit=200).json()
    return Order.objects.get(order_number=body["order_number"])


class TestCancel:
    def test_returns_coupon_and_credit(self, auth_client, user, unpaid_order):
        response = auth_client.post(f"/api/orders/{unpaid_order.order_number}/cancel/")
        assert response.status_code == 200
        assert response.json()["status"] == Order.Status.CANCELLED
        assert response.json()["status_text"] == "cancelled"
        user.refresh_from_db()
        assert user.credit == 500
        release = CreditEntry.objects.get(order=unpaid_order, reason="order_release")
        assert (release.amount, release.balance_after) == (200, 500)
        coupon = UserCoupon.objects.get(id=unpaid_order.user_coupon_id)
        assert (coupon.status, coupon.order_id) == (UserCoupon.Status.UNUSED, None)
        changes = OrderStatusChange.objects.filter(order=unpaid_order).order_by("id")
        assert list(changes.values_list("from_status", "to_status")) == [
            (None, Order.Status.UNPAID),  # created (its audit row since issue 12)
            (Order.Status.UNPAID, Order.Status.CANCELLED),
        ]

    def test_second_cancel_is_409_and_returns_nothing(self, auth_client, user, unpaid_order):
        url = f"/api/orders/{unpaid_order.order_number}/cancel/"
        auth_client.post(url)
        again = auth_client.post(url)
        assert again.status_code == 409
        assert again.json()["code"] == "order_not_unpaid"
        assert "cancelled" in again.json()["detail"]
        user.refresh_from_db()
        assert user.credit == 500
        assert CreditEntry.objects.filter(reason="order_release").count() == 1

    def test_paid_order_cannot_be_cancelled(self, auth_client, user, unpaid_order):
        services.order_record_paid(order_number=unpaid_order.order_number)
        response = auth_client.post(f"/api/orders/{unpaid_order.order_number}/cancel/")
        assert response.status_code == 409
        user.refresh_from_db()
        assert user.credit == 300

    def test_someone_elses_order_is_404(self, make_user, unpaid_order):
        other = client_for(make_user())
        assert other.post(f"/api/orders/{unpaid_order.order_number}/cancel/").status_code == 404
        assert other.get(f"/api/orders/{unpaid_order.order_number}/").status_code == 404
        unpaid_order.refresh_from_db()
        assert unpaid_order.status == Order.Status.UNPAID

    def test_cancelled_coupon_can_be_used_again(
        self, auth_client, user, unpaid_order, make_course, in_cart
    ):
        auth_client.post(f"/api/orders/{unpaid_order.order_number}/cancel/")
        in_cart(auth_client, make_course(price="50.00"))
        body = checkout(auth_client, coupon_id=unpaid_order.user_coupon_id).json()
        assert body["real_price"] == "40.00"


class TestSettle:
    def test_settles_once(self, user, unpaid_order):
        assert settle_with_trade(unpaid_order.order_number, "T1")
        assert not settle_with_trade(unpaid_order.order_number, "T2")
        unpaid_order.refresh_from_db()
        assert (unpaid_order.status, unpaid_order.trades.get().trade_no) == (
            Order.Status.PAID,
            "T1",
        )
        line = unpaid_order.lines.get()
        assert CoursePurchase.objects.filter(user=user, course_id=line.course_id).count() == 1
        assert Course.objects.get(id=line.course_id).students == 1
        coupon = UserCoupon.objects.get(id=unpaid_order.user_coupon_id)
        assert coupon.status == UserCoupon.Status.USED
        user.refresh_from_db()
        assert user.credit == 300  # the reservation became a spend

    def test_unknown_order(self):
        from luffy.common.errors import NotFound

        with pytest.raises(NotFound):
            services.order_record_paid(order_number="nope")

    @pytest.mark.parametrize(
        ("existing", "days", "expected"),
        [
            (None, 30, "now+30"),  # new access from now
            ("expired", 30, "now+30"),  # an expired record restarts from now
            ("active+10", 30, "now+40"),  # an active one is extended from its end
            ("permanent", 30, "permanent"),  # permanent stays permanent
            ("active+10", 0, "permanent"),  # buying permanent access
        ],
    )
    def test_access_rules(self, auth_client, user, make_course, in_cart, existing, days, expected):
        now = timezone.now()
        course = make_course(price="100.00", options=[(30, "30.00")])
        if existing is not None:
            ends = {
                "expired": now - timedelta(days=1),
                "active+10": now + timedelta(days=10),
                "permanent": None,
            }[existing]
            CoursePurchase.objects.create(user=user, course=course, expires_at=ends)
        order = _unpaid_order_for(user, course, days)
        # Made before `now` (a payment never precedes its order: paid_at is clamped to it).
        Order.objects.filter(id=order.id).update(created_at=now - timedelta(minutes=1))
        services.order_record_paid(order_number=order.order_number, paid_at=now)
        purchase = CoursePurchase.objects.get(user=user, course=course)
        if expected == "permanent":
            assert purchase.expires_at is None
        else:
            assert purchase.expires_at == now + timedelta(days=int(expected.split("+")[1]))
        # an untouched permanent record keeps its original order
        assert purchase.order_id == (None if existing == "permanent" else order.id)


def _unpaid_order_for(user, course, days):
    """An unpaid one-line order made directly: an owned course cannot be checked out."""
    from luffy.orders.models import OrderLine

    now = timezone.now()
    order = Order.objects.create(
        user=user, title=course.name, total_price=Decimal(30), discounted_price=Decimal(30),
        real_price=Decimal(30), pay_deadline=now + timedelta(hours=1), order_number=f"T{course.id}",
    )  # fmt: skip
    OrderLine.objects.create(
        order=order, course=course, course_name=course.name, expire_id=0, expire_text="x",
        expire_days=days, price=Decimal(30), real_price=Decimal(30),
    )  # fmt: skip
    return order


class TestMyOrders:
    def test_list_newest_first_with_lines(self, auth_client, make_course, in_cart, make_user):
        first, second = make_course(name="A"), make_course(name="B")
        in_cart(auth_client, first)
        older = checkout(auth_client).json()["order_number"]
        in_cart(auth_client, second)
        newer = checkout(auth_client).json()["order_number"]
        checkout_other = client_for(make_user())
        in_cart(checkout_other, make_course(name="C"))
        checkout(checkout_other)

        body = auth_client.get("/api/orders/").json()
        assert body["count"] == 2
        assert [o["order_number"] for o in body["results"]] == [newer, older]
        order = body["results"][0]
        assert order["status_text"] == "unpaid" and order["real_price"] == "100.00"
        assert order["lines"] == [
            {
                "course_id": second.id,
                "name": "B",
                "cover": None,
                "expire_text": "永久有效",
                "expire_days": 0,
                "price": "100.00",
                "real_price": "100.00",
                "discount_name": "",
            }
        ]

    def test_filter_by_status_and_paginate(self, auth_client, user, make_course, in_cart):
        numbers = []
        for _ in range(3):
            in_cart(auth_client, make_course())
            numbers.append(checkout(auth_client).json()["order_number"])
        auth_client.post(f"/api/orders/{numbers[0]}/cancel/")
        cancelled = auth_client.get("/api/orders/?status=2").json()
        assert [o["order_number"] for o in cancelled["results"]] == [numbers[0]]
        page = auth_client.get("/api/orders/?size=2&page=2").json()
        assert page["count"] == 3 and len(page["results"]) == 1
        assert auth_client.get("/api/orders/?status=9").status_code == 400
        assert auth_client.get("/api/orders/?page=7").status_code == 404

    def test_detail(self, auth_client, unpaid_order):
        body = auth_client.get(f"/api/orders/{unpaid_order.order_number}/").json()
        assert body["order_number"] == unpaid_order.order_number
        assert (body["coupon_amount"], body["credit"], body["credit_amount"]) == (
            "10.00",
            200,
            "20.00",
        )
        assert body["real_price"] == "70.00"

    def test_needs_login(self, api_client):
        assert api_client.get("/api/orders/").status_code == 401
        assert api_client.post("/api/orders/", {}).status_code == 401


class TestMyCoursesAndCredits:
    def test_my_courses(self, auth_client, user, make_course):
        now = timezone.now()
        active = make_course(name="Active")
        expired = make_course(name="Expired")
        forever = make_course(name="Forever")
        CoursePurchase.objects.create(user=user, course=active, expires_at=now + timedelta(days=3))
        CoursePurchase.objects.create(user=user, course=expired, expires_at=now - timedelta(days=3))
        CoursePurchase.objects.create(user=user, course=forever, expires_at=None)
        body = {c["name"]: c for c in auth_client.get("/api/users/me/courses/").json()}
        assert body["Active"]["active"] is True and body["Active"]["expires_at"]
        assert body["Expired"]["active"] is False
        assert body["Forever"]["active"] is True and body["Forever"]["expires_at"] is None

    def test_credit_history(self, auth_client, user, unpaid_order):
        auth_client.post(f"/api/orders/{unpaid_order.order_number}/cancel/")
        body = auth_client.get("/api/users/me/credits/").json()
        assert body["count"] == 2
        assert [(e["amount"], e["balance_after"], e["reason"]) for e in body["results"]] == [
            (200, 500, "order_release"),
            (-200, 300, "order_reserve"),
        ]
        assert body["results"][0]["order_number"] == unpaid_order.order_number
