from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from luffy.cart.selectors import cart_selected
from luffy.common.schema import errors
from luffy.coupons import selectors
from luffy.coupons.serializers import (
    CouponListQuerySerializer,
    CouponListSerializer,
    RedeemSerializer,
    UserCouponSerializer,
)
from luffy.coupons.services import coupon_code_redeem


class CouponListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="My coupons; with usable_for=selected, whether each fits the selected cart lines",
        parameters=[CouponListQuerySerializer],
        responses={200: CouponListSerializer, **errors(400, 401, 503)},
    )
    def get(self, request):
        query = CouponListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        total = None
        if query.validated_data.get("usable_for") == "selected":
            total = cart_selected(user_id=request.user.id)["total_real_price"]
        coupons = selectors.coupon_list(user_id=request.user.id, total=total)
        return Response(CouponListSerializer({"total": total, "coupons": coupons}).data)


class CouponRedeemApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]  # per student: codes are not for guessing
    throttle_scope = "coupon_redeem"

    @extend_schema(
        summary="Redeem a code (兑换码): the student gets a copy of its coupon",
        request=RedeemSerializer,
        responses={201: UserCouponSerializer, **errors(400, 401, 404, 409, 429, 503)},
    )
    def post(self, request):
        body = RedeemSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user_coupon = coupon_code_redeem(user_id=request.user.id, code=body.validated_data["code"])
        item = selectors.user_coupon_item(user_coupon, total=None, at=timezone.now())
        return Response(UserCouponSerializer(item).data, status=status.HTTP_201_CREATED)
