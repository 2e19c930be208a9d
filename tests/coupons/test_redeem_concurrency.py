"""Students racing for a redeem code in real threads on a real database: with a global limit
of k, exactly k get a coupon; one student racing themself never exceeds the per-user limit."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from luffy.common.errors import ApplicationError
from luffy.coupons.models import CouponRedemption, RedeemCode, UserCoupon
from luffy.coupons.services import coupon_code_redeem

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]

THREADS = 8
JOIN_TIMEOUT = 60


def race(calls) -> list[object]:
    """Run the calls in threads released together; each returns its value or its domain error."""
    barrier = threading.Barrier(len(calls), timeout=JOIN_TIMEOUT)
    results: list[object] = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except BaseException as exc:  # asserted on below
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=item, daemon=True) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    unexpected = [
        r for r in results if isinstance(r, BaseException) and not isinstance(r, ApplicationError)
    ]
    assert not unexpected, f"unexpected errors: {unexpected!r}"
    return results


@pytest.mark.parametrize("limit", [1, 3])
def test_n_students_racing_for_k_copies(make_user, make_coupon, limit):
    users = [make_user() for _ in range(THREADS)]
    code = RedeemCode.objects.create(
        code="RACE", coupon=make_coupon(), max_redemptions=limit, per_user_limit=1
    )
    results = race([lambda u=u: coupon_code_redeem(user_id=u.id, code="race") for u in users])
    won = [r for r in results if isinstance(r, UserCoupon)]
    lost = [r for r in results if isinstance(r, ApplicationError)]
    assert len(won) == limit and len(lost) == THREADS - limit
    assert {error.code for error in lost} == {"redeem_code_used_up"}
    code.refresh_from_db()
    assert code.redeemed_count == limit
    assert UserCoupon.objects.count() == CouponRedemption.objects.count() == limit
    assert len(set(UserCoupon.objects.values_list("user_id", flat=True))) == limit


def test_one_student_racing_themself_gets_the_per_user_limit(make_user, make_coupon):
    user = make_user()
    code = RedeemCode.objects.create(
        code="TWICE", coupon=make_coupon(), max_redemptions=100, per_user_limit=2
    )
    results = race([lambda: coupon_code_redeem(user_id=user.id, code="TWICE")] * THREADS)
    assert sum(isinstance(r, UserCoupon) for r in results) == 2
    assert {r.code for r in results if isinstance(r, ApplicationError)} == {
        "redeem_code_limit_reached"
    }
    code.refresh_from_db()
    assert code.redeemed_count == 2  # the losers' increments were rolled back
    assert UserCoupon.objects.filter(user=user).count() == 2
