from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from luffy.common.schema import errors
from luffy.coupons import selectors
from luffy.coupons.serializers import (
    CouponListSerializer,
    RedeemSerializer,
    UserCouponSerializer,
    coupons_data,
)
from luffy.coupons.services import coupon_code_redeem
from luffy.users.authentication import ActiveTokenUserAuthentication


class CouponListApi(APIView):
    """The coupon wallet. Which coupons fit a checkout, and what each saves there, is the
    checkout preview's (POST /api/orders/preview/)."""

    authentication_classes = [ActiveTokenUserAuthentication]  # only the user id is needed
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="My coupons, each with whether it can be used now and why not",
        responses={200: CouponListSerializer, **errors(401, 503)},
    )
    def get(self, request):
        coupons = selectors.coupon_list(user_id=int(request.user.id))
        # Written directly (coupons_data): CouponListSerializer documents the same shape.
        return Response({"coupons": coupons_data(coupons)})


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
        item = selectors.user_coupon_item(user_coupon, at=timezone.now())
        return Response(UserCouponSerializer(item).data, status=status.HTTP_201_CREATED)
