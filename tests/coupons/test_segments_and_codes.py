"""Granting a coupon to a segment of students, and redeem codes (兑换码)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from luffy.access.models import CoursePurchase
from luffy.coupons.models import CouponRedemption, RedeemCode, UserCoupon
from luffy.coupons.services import Segment, coupon_grant_segment, segment_users

pytestmark = pytest.mark.django_db


def grant(admin_client, coupon, **fields):
    data = {"action": "grant", "_selected_action": [coupon.id], "apply": "1", **fields}
    return admin_client.post("/admin/coupons/coupon/", data, follow=True)


class TestSegments:
    def test_all_students_once_however_often_granted(self, make_user, make_coupon):
        users = [make_user() for _ in range(4)]
        make_user(is_active=False)
        coupon = make_coupon(valid_days=7)
        first = coupon_grant_segment(coupon=coupon, users=segment_users(segment=Segment.ALL))
        assert (first.granted, first.skipped) == (4, 0)
        again = coupon_grant_segment(coupon=coupon, users=segment_users(segment=Segment.ALL))
        assert (again.granted, again.skipped) == (0, 4)
        granted = UserCoupon.objects.filter(coupon=coupon)
        assert sorted(granted.values_list("user_id", flat=True)) == sorted(u.id for u in users)
        assert all(g.end == g.start + timedelta(days=7) for g in granted)
        assert all(g.status == UserCoupon.Status.UNUSED for g in granted)

    def test_one_insert_however_many_students(self, make_user, make_coupon):
        for _ in range(30):
            make_user()
        coupon = make_coupon(valid_days=None)
        with CaptureQueriesContext(connection) as queries:
            result = coupon_grant_segment(coupon=coupon, users=segment_users(segment=Segment.ALL))
        assert result.granted == 30
        inserts = [q for q in queries.captured_queries if q["sql"].startswith("INSERT")]
        assert len(inserts) == 1
        assert UserCoupon.objects.filter(coupon=coupon, end__isnull=True).count() == 30

    def test_registered_since_and_buyers(self, make_user, make_coupon, make_course):
        old, new = make_user(), make_user()
        old.date_joined = timezone.now() - timedelta(days=30)
        old.save(update_fields=["date_joined"])
        since = (timezone.localtime() - timedelta(days=1)).date()
        assert list(segment_users(segment=Segment.SINCE, since=since)) == [new]
        course = make_course()
        CoursePurchase.objects.create(user=old, course=course)
        buyers = segment_users(segment=Segment.BUYERS, course_id=course.id)
        assert list(buyers) == [old]

    def test_admin_form_grants_to_buyers_and_says_who_was_skipped(
        self, admin_client, make_user, make_coupon, make_course
    ):
        buyer = make_user()
        make_user()  # registered, bought nothing: not in the segment
        course = make_course()
        CoursePurchase.objects.create(user=buyer, course=course)
        coupon = make_coupon()
        page = grant(admin_client, coupon, segment="buyers", course=course.id).content.decode()
        assert "已向 1 位学员发放" in page
        assert list(UserCoupon.objects.values_list("user_id", flat=True)) == [buyer.id]
        page = grant(admin_client, coupon, segment="buyers", course=course.id).content.decode()
        assert "已向 0 位学员发放" in page and "1 位已有此券" in page

    def test_admin_form_errors(self, admin_client, make_coupon):
        coupon = make_coupon()
        page = grant(admin_client, coupon, segment="since").content.decode()
        assert "请选择注册日期。" in page
        page = grant(admin_client, coupon, segment="buyers").content.decode()
        assert "请选择课程" in page
        assert not UserCoupon.objects.exists()


@pytest.fixture
def redeem_code(make_coupon):
    def make(code="WELCOME2026", *, limit=10, per_user=1, **fields):
        return RedeemCode.objects.create(
            code=code,
            coupon=make_coupon(name="新人券", sale="-20"),
            max_redemptions=limit,
            per_user_limit=per_user,
            **fields,
        )

    return make


class TestRedeemApi:
    def test_redeem_gives_a_coupon(self, auth_client, user, redeem_code):
        code = redeem_code()
        response = auth_client.post("/api/coupons/redeem/", {"code": " welcome2026 "})
        assert response.status_code == 201, response.json()
        body = response.json()
        assert body["name"] == "新人券" and body["usable"] is True
        user_coupon = UserCoupon.objects.get(user=user)
        assert body["id"] == user_coupon.id
        code.refresh_from_db()
        assert code.redeemed_count == 1
        assert CouponRedemption.objects.get().user_coupon == user_coupon
        assert [c["id"] for c in auth_client.get("/api/coupons/").json()["coupons"]] == [body["id"]]

    def test_per_user_limit(self, auth_client, redeem_code):
        redeem_code(per_user=2)
        for _ in range(2):
            assert (
                auth_client.post("/api/coupons/redeem/", {"code": "WELCOME2026"}).status_code == 201
            )
        response = auth_client.post("/api/coupons/redeem/", {"code": "WELCOME2026"})
        assert response.status_code == 409
        assert response.json()["code"] == "redeem_code_limit_reached"
        assert "2" in response.json()["detail"]

    def test_used_up_expired_unknown_empty(self, auth_client, make_user, redeem_code):
        from tests.conftest import client_for

        redeem_code("ONLYONE", limit=1)
        assert (
            client_for(make_user()).post("/api/coupons/redeem/", {"code": "ONLYONE"}).status_code
            == 201
        )
        cases = {
            "ONLYONE": (409, "redeem_code_used_up"),
            "NOSUCH": (404, "redeem_code_not_found"),
            "   ": (400, None),
        }
        redeem_code("OLD", valid_until=timezone.now() - timedelta(minutes=1))
        cases["OLD"] = (409, "redeem_code_expired")
        redeem_code("OFF", is_active=False)
        cases["OFF"] = (404, "redeem_code_not_found")
        for code, (status, error) in cases.items():
            response = auth_client.post("/api/coupons/redeem/", {"code": code})
            assert response.status_code == status, (code, response.json())
            body = response.json()
            assert body["detail"] and (error is None or body["code"] == error)
        assert not UserCoupon.objects.filter(user__in=[]).exists()

    def test_needs_login(self, api_client, redeem_code):
        redeem_code()
        assert api_client.post("/api/coupons/redeem/", {"code": "WELCOME2026"}).status_code == 401

    def test_admin_normalizes_codes(self, admin_client, make_coupon):
        coupon = make_coupon()
        data = {"code": " vip 88 ", "coupon": coupon.id, "max_redemptions": 5}
        data.update(per_user_limit=1, is_active="on")
        response = admin_client.post("/admin/coupons/redeemcode/add/", data)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert RedeemCode.objects.get().code == "VIP88"
        response = admin_client.post("/admin/coupons/redeemcode/add/", {**data, "code": "vip-88"})
        assert "兑换码只能包含字母和数字。" in response.content.decode()
