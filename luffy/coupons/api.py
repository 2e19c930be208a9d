from drf_spectacular.utils import extend_schema
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from luffy.cart.selectors import cart_selected
from luffy.common.schema import errors
from luffy.coupons import selectors
from luffy.coupons.serializers import CouponListQuerySerializer, CouponListSerializer


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
