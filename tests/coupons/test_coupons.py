from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from luffy.coupons.models import Coupon, UserCoupon
from luffy.coupons.services import coupon_grant

pytestmark = pytest.mark.django_db


class TestCouponRules:
    @pytest.mark.parametrize(
        ("type_", "sale"), [(Coupon.Type.PERCENTAGE, "-20"), (Coupon.Type.FIXED, "*0.8")]
    )
    def test_rule_must_match_the_type(self, type_, sale):
        with pytest.raises(ValidationError) as error:
            Coupon(name="x", type=type_, sale=sale).full_clean()
        assert "优惠券的规则应类似" in str(error.value)

    def test_invalid_rule(self):
        with pytest.raises(ValidationError):
            Coupon(name="x", type=Coupon.Type.FIXED, sale="-abc").full_clean()


class TestGrant:
    def test_grant_to_many_with_validity(self, make_user, make_coupon):
        users = [make_user() for _ in range(3)]
        coupon = make_coupon(valid_days=7)
        start = timezone.now()
        assert (
            coupon_grant(coupon=coupon, user_ids=[u.id for u in users] + [users[0].id], start=start)
            == 3
        )
        granted = UserCoupon.objects.filter(coupon=coupon)
        assert granted.count() == 3
        assert all(g.end == start + timedelta(days=7) for g in granted)

    def test_permanent(self, user, make_coupon):
        coupon_grant(coupon=make_coupon(valid_days=None), user_ids=[user.id])
        assert user.coupons.get().end is None

    def test_admin_action_grants_by_username_or_mobile(self, admin_client, make_user, make_coupon):
        alice, bob = make_user(username="alice"), make_user(username="bob")
        coupon = make_coupon()
        response = admin_client.post(
            "/admin/coupons/coupon/",
            {"action": "grant", "_selected_action": [coupon.id], "apply": "1",
             "users": f"alice\n{bob.mobile}"},
        )  # fmt: skip
        assert response.status_code == 302
        assert set(UserCoupon.objects.values_list("user_id", flat=True)) == {alice.id, bob.id}

    def test_admin_action_names_unknown_users(self, admin_client, make_coupon):
        coupon = make_coupon()
        response = admin_client.post(
            "/admin/coupons/coupon/",
            {"action": "grant", "_selected_action": [coupon.id], "apply": "1", "users": "ghost"},
        )
        assert response.status_code == 200
        assert "以下用户不存在：ghost".encode() in response.content
        assert not UserCoupon.objects.exists()


class TestCouponList:
    # Which coupons fit the selected cart lines, and what each saves there, moved to the
    # checkout preview (tests/orders/test_preview.py): the wallet judges coupons on their own.
    def test_says_why_a_coupon_cannot_be_used_now(self, auth_client, user, give_coupon):
        now = timezone.now()
        give_coupon(user, sale="-50", min_amount="500", name="big")
        expired = give_coupon(user, valid_days=1, start=now - timedelta(days=2), name="old")
        later = give_coupon(user, start=now + timedelta(days=1), name="later")
        body = auth_client.get("/api/coupons/").json()
        by_name = {c["name"]: c for c in body["coupons"]}
        assert by_name["big"]["usable"] is True  # the minimum is the checkout's to judge
        assert by_name["old"]["reason_code"] == "coupon_expired"
        assert by_name["later"]["reason_code"] == "coupon_not_started"
        assert {expired.id, later.id} == {c["id"] for c in body["coupons"] if not c["usable"]}

    def test_only_my_coupons(self, auth_client, make_user, give_coupon):
        give_coupon(make_user())
        assert auth_client.get("/api/coupons/").json()["coupons"] == []
