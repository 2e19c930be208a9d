"""POST /api/orders/preview/: the checkout breakdown the page shows, computed by the same
checkout_quote that order creation charges."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from luffy.coupons.models import Coupon, UserCoupon
from luffy.orders.models import Order
from luffy.orders.quote import checkout_quote
from luffy.users.models import CreditEntry
from tests.conftest import client_for
from tests.order_fixtures import checkout

pytestmark = pytest.mark.django_db

# auth, prices (3), owned, pending, the buyer's credit, the coupons: however many lines and
# coupons (the cart itself is in Redis).
PREVIEW_QUERIES = 8


def preview(client, **payload):
    return client.post("/api/orders/preview/", payload, format="json")


class TestBreakdown:
    def test_lines_sales_coupon_and_credit(
        self, auth_client, user, make_course, make_discount, in_cart, give_coupon
    ):
        user.credit = 500
        user.save()
        python = make_course(name="Python", price="100.00", options=[(30, "30.00")])
        go = make_course(name="Go", price="50.00")
        make_discount(python, rule="*0.8")
        in_cart(auth_client, python)
        in_cart(auth_client, go, expire_id=0)
        coupon = give_coupon(user, sale="-20", min_amount="100", name="满百减二十")

        body = preview(auth_client, coupon_id=coupon.id, credit=300).json()
        lines = {line["name"]: line for line in body["lines"]}
        assert (lines["Python"]["price"], lines["Python"]["real_price"]) == ("100.00", "80.00")
        assert lines["Python"]["discount_name"] == "限时折扣"
        assert (lines["Go"]["expire_text"], lines["Go"]["expire_days"]) == ("永久有效", 0)
        assert (body["total_price"], body["sale_amount"], body["discounted_price"]) == (
            "150.00", "20.00", "130.00",
        )  # fmt: skip
        assert (body["coupon_id"], body["coupon_amount"]) == (coupon.id, "20.00")
        assert (body["credit_balance"], body["credit_per_yuan"]) == (500, 10)
        assert (body["max_credit"], body["max_credit_amount"]) == (500, "50.00")
        assert (body["credit"], body["credit_amount"]) == (300, "30.00")
        assert body["real_price"] == "80.00"  # 130 - 20 - 30

    def test_nothing_is_reserved(self, auth_client, user, make_course, in_cart, give_coupon):
        user.credit = 100
        user.save()
        coupon = give_coupon(user)
        in_cart(auth_client, make_course(price="100.00"))
        assert preview(auth_client, coupon_id=coupon.id, credit=100).status_code == 200
        assert not Order.objects.exists() and not CreditEntry.objects.exists()
        assert UserCoupon.objects.get(id=coupon.id).status == UserCoupon.Status.UNUSED
        user.refresh_from_db()
        assert user.credit == 100

    def test_the_cap_on_credit_follows_the_coupon(
        self, auth_client, user, make_course, in_cart, give_coupon
    ):
        user.credit = 10000
        user.save()
        coupon = give_coupon(user, sale="-20")
        in_cart(auth_client, make_course(price="50.00"))
        assert preview(auth_client).json()["max_credit"] == 500
        body = preview(auth_client, coupon_id=coupon.id).json()
        assert (body["max_credit"], body["max_credit_amount"]) == (300, "30.00")

    def test_the_preview_is_what_checkout_charges(
        self, auth_client, user, make_course, make_discount, in_cart, give_coupon
    ):
        user.credit = 15
        user.save()
        coupon = give_coupon(user, sale="*0.85", type=Coupon.Type.PERCENTAGE)
        course = make_course(price="99.90", options=[(30, "33.33")])
        make_discount(course, rule="-0.01")
        in_cart(auth_client, course)
        shown = preview(auth_client, coupon_id=coupon.id, credit=15).json()
        body = checkout(
            auth_client, coupon_id=coupon.id, credit=15, expected_real_price=shown["real_price"]
        ).json()
        assert body["price_changed"] is False and body["real_price"] == shown["real_price"]
        order = Order.objects.get(order_number=body["order_number"])
        assert (order.total_price, order.discounted_price) == (
            Decimal(shown["total_price"]), Decimal(shown["discounted_price"]),
        )  # fmt: skip
        assert order.coupon_amount == Decimal(shown["coupon_amount"])
        assert order.credit_amount == Decimal(shown["credit_amount"])

    def test_after_a_price_change_the_preview_shows_the_new_total(
        self, auth_client, make_course, in_cart
    ):
        course = make_course(price="100.00")
        in_cart(auth_client, course)
        assert preview(auth_client).json()["real_price"] == "100.00"
        course.price = Decimal("120.00")
        course.save()
        shown = preview(auth_client).json()["real_price"]
        body = checkout(auth_client, expected_real_price="100.00").json()
        assert body["price_changed"] is True and body["real_price"] == shown == "120.00"


class TestCoupons:
    def test_only_coupons_that_fit_are_offered_the_best_first(
        self, auth_client, user, make_course, in_cart, give_coupon
    ):
        now = timezone.now()
        fits = give_coupon(user, sale="-20", min_amount="50", name="fits")
        better = give_coupon(user, sale="*0.7", type=Coupon.Type.PERCENTAGE, name="better")
        give_coupon(user, sale="-50", min_amount="500", name="big")
        give_coupon(user, valid_days=1, start=now - timedelta(days=2), name="old")
        give_coupon(user, start=now + timedelta(days=1), name="later")
        used = give_coupon(user, sale="-200", name="used")
        in_cart(auth_client, make_course(price="100.00"))
        assert checkout(auth_client, coupon_id=used.id).json()["status"] == Order.Status.PAID
        in_cart(auth_client, make_course(price="100.00"))

        body = preview(auth_client).json()
        assert [(c["name"], c["saving"]) for c in body["coupons"]] == [
            ("better", "30.00"), ("fits", "20.00"),
        ]  # fmt: skip
        assert body["best_coupon_id"] == better.id
        # nothing is applied unless asked for: the page preselects the best one
        assert (body["coupon_id"], body["coupon_amount"]) == (None, "0.00")
        assert preview(auth_client, coupon_id=fits.id).json()["real_price"] == "80.00"

    def test_of_two_equal_savings_the_one_that_expires_first_is_best(
        self, auth_client, user, make_course, in_cart, give_coupon
    ):
        give_coupon(user, valid_days=30)
        soon = give_coupon(user, valid_days=3)
        in_cart(auth_client, make_course(price="100.00"))
        assert preview(auth_client).json()["best_coupon_id"] == soon.id

    def test_no_best_coupon_when_nothing_fits(self, auth_client, user, make_course, in_cart):
        in_cart(auth_client, make_course(price="100.00"))
        body = preview(auth_client).json()
        assert (body["coupons"], body["best_coupon_id"]) == ([], None)

    def test_a_reserved_coupon_is_not_offered(
        self, auth_client, user, make_course, in_cart, give_coupon
    ):
        coupon = give_coupon(user)
        in_cart(auth_client, make_course())
        checkout(auth_client, coupon_id=coupon.id)
        in_cart(auth_client, make_course())
        assert preview(auth_client).json()["coupons"] == []
        response = preview(auth_client, coupon_id=coupon.id)
        assert (response.status_code, response.json()["code"]) == (409, "coupon_reserved")


class TestErrorsAreCheckouts:
    """The same codes as POST /api/orders/, in the one error shape."""

    def test_empty_cart(self, auth_client):
        response = preview(auth_client)
        assert (response.status_code, response.json()["code"]) == (400, "cart_empty")

    @pytest.mark.parametrize(
        ("make", "status", "code"),
        [
            (lambda user, give: give(user, sale="-20", min_amount="500"), 400,
             "coupon_below_minimum"),
            (lambda user, give: give(user, valid_days=1,
                                     start=timezone.now() - timedelta(days=2)), 400,
             "coupon_expired"),
            (lambda user, give: give(user, start=timezone.now() + timedelta(days=1)), 400,
             "coupon_not_started"),
        ],
    )  # fmt: skip
    def test_bad_coupon(
        self, auth_client, user, make_course, in_cart, give_coupon, make, status, code
    ):
        coupon = make(user, give_coupon)
        in_cart(auth_client, make_course(price="100.00"))
        response = preview(auth_client, coupon_id=coupon.id)
        assert (response.status_code, response.json()["code"]) == (status, code)
        assert "detail" in response.json()

    def test_foreign_and_used_coupons(
        self, auth_client, user, make_user, make_course, in_cart, give_coupon
    ):
        foreign = give_coupon(make_user())
        used = give_coupon(user, sale="-200")
        in_cart(auth_client, make_course(price="100.00"))
        assert checkout(auth_client, coupon_id=used.id).json()["status"] == Order.Status.PAID
        in_cart(auth_client, make_course())
        response = preview(auth_client, coupon_id=foreign.id)
        assert (response.status_code, response.json()["code"]) == (400, "coupon_not_found")
        response = preview(auth_client, coupon_id=used.id)
        assert (response.status_code, response.json()["code"]) == (409, "coupon_used")

    def test_credit(self, auth_client, user, make_course, in_cart):
        user.credit = 1000
        user.save()
        in_cart(auth_client, make_course(price="50.00"))
        response = preview(auth_client, credit=1001)
        assert (response.status_code, response.json()["code"]) == (400, "credit_exceeds_balance")
        response = preview(auth_client, credit=501)
        assert (response.status_code, response.json()["code"]) == (400, "credit_exceeds_total")
        assert response.json()["max_credit"] == 500

    @pytest.mark.parametrize("payload", [{"credit": -1}, {"credit": "x"}, {"coupon_id": 0}])
    def test_bad_input(self, auth_client, make_course, in_cart, payload):
        in_cart(auth_client, make_course())
        response = preview(auth_client, **payload)
        assert response.status_code == 400 and response.json()["errors"]

    def test_owned_course(self, auth_client, user, make_course, in_cart):
        from luffy.access.models import CoursePurchase

        course = make_course()
        in_cart(auth_client, course)
        CoursePurchase.objects.create(user=user, course=course, expires_at=None)
        response = preview(auth_client)
        assert (response.status_code, response.json()["code"]) == (409, "already_purchased")

    def test_login_required(self, api_client):
        response = api_client.post("/api/orders/preview/", {}, format="json")
        assert response.status_code == 401 and response.json()["code"]


@pytest.mark.parametrize("lines", [1, 5])
def test_preview_queries_do_not_grow(
    make_user, make_course, make_discount, in_cart, give_coupon, django_assert_num_queries, lines
):
    buyer = make_user(credit=1000)
    client = client_for(buyer)
    courses = [make_course(price="100.00", options=[(30, "30.00")]) for _ in range(lines)]
    make_discount(*courses[::2])
    for course in courses:
        in_cart(client, course)
    coupons = [give_coupon(buyer, sale="-5") for _ in range(lines)]
    with django_assert_num_queries(PREVIEW_QUERIES):
        response = preview(client, coupon_id=coupons[0].id, credit=100)
    assert response.status_code == 200, response.json()
    assert len(response.json()["coupons"]) == lines


def test_checkout_quote_directly(make_user, make_course, in_cart, give_coupon):
    """The function the preview and checkout share, called as order creation calls it."""
    buyer = make_user(credit=40)
    course = make_course(price="60.00")
    coupon = give_coupon(buyer, sale="-10")
    quote = checkout_quote(
        user_id=buyer.id, coupon_id=coupon.id, credit=40, at=timezone.now(),
        items=[(course.id, 0)],
    )  # fmt: skip
    assert quote.user_coupon.id == coupon.id and quote.coupon_id == coupon.id
    assert (quote.coupon_amount, quote.credit_amount, quote.real_price) == (
        Decimal("10.00"), Decimal("4.00"), Decimal("46.00"),
    )  # fmt: skip
