"""The coupon wallet is written from value rows by coupons_data, not by the serializer (issue
13: reads close to their floor); CouponListSerializer stays the documented shape and both must
write the same JSON for every state a coupon can be in."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer

from luffy.coupons import selectors
from luffy.coupons.models import Coupon, UserCoupon
from luffy.coupons.serializers import CouponListSerializer
from luffy.orders.models import Order
from tests.conftest import client_for


@pytest.fixture
def wallet(user, make_coupon):
    now = timezone.now()
    order = Order.objects.create(
        order_number="HOLDER1", user=user, title="t", total_price=100, discounted_price=100,
        real_price=100, pay_deadline=now + timedelta(minutes=30),
    )  # fmt: skip
    fixed = make_coupon(sale="-20", min_amount="99.50")
    percent = make_coupon(sale="*0.85", type=Coupon.Type.PERCENTAGE)
    states = [
        dict(coupon=fixed, start=now - timedelta(days=1), end=None),
        dict(coupon=percent, start=now - timedelta(days=1), end=now + timedelta(days=3)),
        dict(coupon=fixed, start=now + timedelta(days=2), end=now + timedelta(days=9)),
        dict(coupon=fixed, start=now - timedelta(days=9), end=now - timedelta(days=2)),
        dict(coupon=fixed, start=now - timedelta(days=1), end=None,
             status=UserCoupon.Status.RESERVED, order=order),
        dict(coupon=percent, start=now - timedelta(days=1), end=None,
             status=UserCoupon.Status.USED, order=order),
    ]  # fmt: skip
    return [UserCoupon.objects.create(user=user, **state) for state in states]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_the_wallet_writes_what_the_serializer_documents(user, wallet, zone):
    with timezone.override(zone):
        body = client_for(user).get("/api/coupons/").json()
        items = selectors.coupon_list(user_id=user.id)
        documented = CouponListSerializer({"coupons": items}).data
    documented = json.loads(JSONRenderer().render(documented))
    assert body == documented
    assert [c["reason_code"] for c in body["coupons"]] == [
        "coupon_not_started", "coupon_used", "coupon_reserved", None, None, "coupon_expired"
    ]  # newest start first  # fmt: skip
    assert "HOLDER1" in body["coupons"][2]["reason"]
    assert body["coupons"][2]["min_amount"] == "99.50"


def test_the_wallet_costs_one_query_however_many_coupons(user, wallet, django_assert_num_queries):
    client = client_for(user)
    client.get("/api/coupons/")  # the token's account stamp is cached in Redis from now on
    with django_assert_num_queries(1):  # the coupons with their coupon and holding order
        assert len(client.get("/api/coupons/").json()["coupons"]) == len(wallet)
