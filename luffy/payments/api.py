import logging

from django.db import DatabaseError
from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from luffy.common.errors import ServiceUnavailable
from luffy.common.parsers import FormParser
from luffy.common.schema import errors
from luffy.orders.selectors import order_get
from luffy.orders.serializers import OrderSerializer
from luffy.payments import services
from luffy.payments.selectors import payment_result_summary
from luffy.payments.serializers import (
    PaymentResultSerializer,
    PayUrlQuerySerializer,
    PayUrlSerializer,
    ReturnParamsSerializer,
)
from luffy.users.authentication import ActiveTokenUserAuthentication

logger = logging.getLogger(__name__)


class PayUrlApi(APIView):
    authentication_classes = [ActiveTokenUserAuthentication]  # the user id is all it needs
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The Alipay cashier URL for one of my unpaid orders",
        parameters=[PayUrlQuerySerializer],
        responses={200: PayUrlSerializer, **errors(400, 401, 404, 409)},
    )
    def get(self, request):
        query = PayUrlQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        url = services.payment_url_create(user_id=request.user.id, **query.validated_data)
        return Response({"url": url})


class AlipayResultApi(APIView):
    """GET: the buyer's return from the cashier (the result page calls it with the query
    string). POST: the gateway's async notify (form-encoded, no login)."""

    parser_classes = [FormParser]

    def get_permissions(self):
        return [IsAuthenticated()] if self.request.method == "GET" else [AllowAny()]

    @extend_schema(
        summary="Confirm a payment from the return redirect's parameters",
        parameters=[ReturnParamsSerializer],
        responses={200: PaymentResultSerializer, **errors(400, 401, 404, 409, 503)},
    )
    def get(self, request):
        ReturnParamsSerializer(data=request.query_params).is_valid(raise_exception=True)
        order = services.payment_result(user_id=request.user.id, params=request.query_params.dict())
        return Response(PaymentResultSerializer(payment_result_summary(order=order)).data)

    @extend_schema(
        summary="Alipay's async notify (form-encoded); answers text/plain success or failure",
        request={"application/x-www-form-urlencoded": OpenApiTypes.OBJECT},
        responses={
            (200, "text/plain"): OpenApiResponse(
                OpenApiTypes.STR, description="`success` or `failure`"
            ),
            **errors(400, 413, 429),
        },
        auth=[],
    )
    def post(self, request):
        try:
            done = services.payment_notify(
                data=request.POST.dict(), client_ip=BaseThrottle().get_ident(request)
            )
        except (DatabaseError, ServiceUnavailable) as exc:
            logger.warning("notify not processed, the gateway will retry: %r", exc)
            done = False
        return HttpResponse("success" if done else "failure", content_type="text/plain")


class OrderCancelApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Cancel an unpaid order; its coupon and credit come back",
        request=None,
        responses={200: OrderSerializer, **errors(401, 404, 409, 503)},
    )
    def post(self, request, order_number: str):
        # The gateway is asked first: the buyer may have paid at the cashier meanwhile.
        services.order_cancel(user_id=request.user.id, order_number=order_number)
        order = order_get(user_id=request.user.id, order_number=order_number)
        return Response(OrderSerializer(order).data)
