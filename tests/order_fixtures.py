"""Coupon and checkout fixtures shared by the coupon and order tests."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.test import TestCase
from django.utils import timezone

from luffy.coupons.models import Coupon
from luffy.coupons.services import coupon_grant


@pytest.fixture
def make_coupon(db):
    def make(*, sale="-20", min_amount="0", valid_days=30, type=Coupon.Type.FIXED, name=None):
        coupon = Coupon(
            name=name or f"coupon {sale}",
            type=type,
            sale=sale,
            min_amount=Decimal(min_amount),
            valid_days=valid_days,
        )
        coupon.full_clean()
        coupon.save()
        return coupon

    return make


@pytest.fixture
def give_coupon(make_coupon):
    """give_coupon(user, sale="-20", ...) -> the UserCoupon."""

    def give(user, *, start=None, **coupon_fields):
        coupon = make_coupon(**coupon_fields)
        coupon_grant(
            coupon=coupon, user_ids=[user.id], start=start or timezone.now() - timedelta(hours=1)
        )
        return user.coupons.get(coupon=coupon)

    return give


@pytest.fixture
def in_cart():
    """in_cart(client, course, expire_id=None): put a course in the client's cart."""

    def put(client, course, expire_id=None):
        payload = {"course_id": course.id}
        if expire_id is not None:
            payload["expire_id"] = expire_id
        response = client.post("/api/cart/", payload, format="json")
        assert response.status_code == 201, response.json()

    return put


def checkout(client, **payload):
    """POST /api/orders/, running the after-commit work (cart clean-up) as a real commit would."""
    payload.setdefault("pay_type", "alipay")
    with TestCase.captureOnCommitCallbacks(execute=True):
        return client.post("/api/orders/", payload, format="json")


def settle_with_trade(order_number: str, trade_no: str = "") -> bool:
    """What payments does on a confirmed payment, without a gateway message: settle the order
    and record the gateway's trade number on its Trade, in one transaction (the order itself
    no longer knows trade numbers). True if this call settled it."""
    from django.db import transaction

    from luffy.orders.models import Order
    from luffy.orders.services import order_record_paid
    from luffy.payments.services.pay import trade_record_paid

    order = Order.objects.get(order_number=order_number)
    with transaction.atomic():
        settled = order_record_paid(order_number=order_number, order=order)
        if settled and trade_no:
            trade_record_paid(order, gateway="alipay", trade_no=trade_no, at=timezone.now())
    return settled
