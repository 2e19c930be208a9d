from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from luffy.common.schema import errors
from luffy.coupons import selectors
from luffy.coupons.serializers import CouponListSerializer


class CouponListApi(APIView):
    """The coupon wallet. Which coupons fit a checkout, and what each saves there, is the
    checkout preview's (POST /api/orders/preview/)."""

    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="My coupons, each with whether it can be used now and why not",
        responses={200: CouponListSerializer, **errors(401, 503)},
    )
    def get(self, request):
        coupons = selectors.coupon_list(user_id=request.user.id)
        return Response(CouponListSerializer({"coupons": coupons}).data)
