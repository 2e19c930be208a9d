"""Renewal (续期): buying a validity option of a course one has time-limited access to adds its
days to the current end; permanent access cannot be bought again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.orders import services
from luffy.orders.models import Order
from luffy.orders.services import checkout as checkout_module
from tests.order_fixtures import checkout
from tests.orders.test_concurrency import ROUNDS, race


def month_option(course) -> int:
    return course.expire_options.get(days=30).id


@pytest.mark.django_db
class TestRenewal:
    def test_an_owned_course_can_be_put_in_the_cart_and_previewed_as_a_renewal(
        self, auth_client, user, make_course, in_cart
    ):
        course = make_course(price="100.00", options=[(30, "30.00")])
        end = timezone.now() + timedelta(days=10)
        CoursePurchase.objects.create(user=user, course=course, expires_at=end)
        in_cart(auth_client, course, month_option(course))
        body = auth_client.post("/api/orders/preview/", {}, format="json").json()
        (line,) = body["lines"]
        assert line["renews_until"] is not None and body["real_price"] == "30.00"

    def test_paying_a_renewal_adds_the_days_to_the_current_end(
        self, auth_client, user, make_course, in_cart
    ):
        course = make_course(price="100.00", options=[(30, "30.00")])
        end = timezone.now() + timedelta(days=10)
        CoursePurchase.objects.create(user=user, course=course, expires_at=end)
        in_cart(auth_client, course, month_option(course))
        number = checkout(auth_client).json()["order_number"]
        assert services.order_record_paid(order_number=number)
        purchase = CoursePurchase.objects.get(user=user, course=course)
        assert purchase.expires_at == end + timedelta(days=30)

    def test_buying_permanent_access_on_a_renewal_makes_it_permanent(
        self, auth_client, user, make_course, in_cart
    ):
        course = make_course(price="100.00", options=[(30, "30.00")])
        CoursePurchase.objects.create(
            user=user, course=course, expires_at=timezone.now() + timedelta(days=3)
        )
        in_cart(auth_client, course, 0)
        number = checkout(auth_client).json()["order_number"]
        services.order_record_paid(order_number=number)
        assert CoursePurchase.objects.get(user=user, course=course).expires_at is None

    def test_a_first_purchase_is_no_renewal(self, auth_client, make_course, in_cart):
        in_cart(auth_client, make_course())
        body = auth_client.post("/api/orders/preview/", {}, format="json").json()
        assert body["lines"][0]["renews_until"] is None


@pytest.mark.real_db
@pytest.mark.django_db(transaction=True)
def test_a_late_payment_and_a_renewal_settling_together_add_both(
    make_user, make_course, monkeypatch
):
    """Access until E; a timed-out 30-day order's late payment and a 90-day renewal's payment
    arrive together: the access ends at E + 120 days, whichever is recorded first."""
    course = make_course(price="100.00", options=[(30, "30.00"), (90, "80.00")])
    month, quarter = (course.expire_options.get(days=d).id for d in (30, 90))

    def order_for(user, expire_id) -> Order:
        monkeypatch.setattr(
            checkout_module, "cart_selected_items", lambda *, user_id: [(course.id, expire_id)]
        )
        return services.order_create(user_id=user.id, pay_type=Order.PayType.ALIPAY).order

    for _ in range(ROUNDS):
        user = make_user()
        end = timezone.now() + timedelta(days=10)
        CoursePurchase.objects.create(user=user, course=course, expires_at=end)
        late = order_for(user, month)
        assert services.order_transition(
            order_id=late.id, from_status=Order.Status.UNPAID, to_status=Order.Status.TIMED_OUT
        )
        renewal = order_for(user, quarter)  # allowed: the first order is no longer unpaid

        outcomes = race(
            lambda late=late: services.order_record_late_payment(order_number=late.order_number),
            lambda renewal=renewal: services.order_record_paid(order_number=renewal.order_number),
        )
        assert [o.error for o in outcomes] == [None, None]
        assert outcomes[0].value == services.LateDecision.SETTLED and outcomes[1].value is True
        purchase = CoursePurchase.objects.get(user=user, course=course)
        assert purchase.expires_at == end + timedelta(days=120)
        statuses = set(Order.objects.filter(user=user).values_list("status", flat=True))
        assert statuses == {Order.Status.PAID}
