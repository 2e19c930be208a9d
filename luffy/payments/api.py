import logging

from django.db import DatabaseError
from django.http import HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle
from rest_framework.views import APIView

from luffy.common.errors import RateLimited, ServiceUnavailable
from luffy.common.parsers import FormParser
from luffy.common.schema import errors
from luffy.orders.selectors import order_get
from luffy.orders.serializers import OrderSerializer
from luffy.payments import services
from luffy.payments.gateway import GatewayKind
from luffy.payments.qr import pay_link_view
from luffy.payments.selectors import payment_result_summary
from luffy.payments.serializers import (
    PaymentResultSerializer,
    PayUrlQuerySerializer,
    PayUrlSerializer,
    ReturnParamsSerializer,
    WechatResultQuerySerializer,
    payment_result_data,
)
from luffy.users.authentication import ActiveTokenUserAuthentication

logger = logging.getLogger(__name__)


class PayUrlApi(APIView):
    authentication_classes = [ActiveTokenUserAuthentication]  # the user id is all it needs
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Where to pay one of my unpaid orders: the Alipay cashier URL, or WeChat Pay's "
        "code_url (with its QR code) or h5_url",
        parameters=[PayUrlQuerySerializer],
        responses={200: PayUrlSerializer, **errors(400, 401, 404, 409)},
    )
    def get(self, request):
        query = PayUrlQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        url = services.payment_url_create(
            user_id=request.user.id,
            client_ip=BaseThrottle().get_ident(request),
            **query.validated_data,
        )
        return Response(PayUrlSerializer(pay_link_view(url, query.validated_data["pay_type"])).data)


class AlipayResultApi(APIView):
    """GET: the buyer's return from the cashier (the result page calls it with the query
    string). POST: the gateway's async notify (form-encoded, no login)."""

    authentication_classes = [ActiveTokenUserAuthentication]  # the user id is all it needs
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
        return Response(payment_result_data(payment_result_summary(order=order)))

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


class WechatResultApi(APIView):
    """The buyer is back from WeChat Pay (H5 redirect, or our QR code page polling): WeChat
    sends no signed return, so the store asks WeChat about the order."""

    authentication_classes = [ActiveTokenUserAuthentication]  # the user id is all it needs
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Confirm a WeChat Pay payment of one of my orders by asking WeChat",
        parameters=[WechatResultQuerySerializer],
        responses={200: PaymentResultSerializer, **errors(400, 401, 404, 409, 503)},
    )
    def get(self, request):
        query = WechatResultQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        order = services.payment_poll(
            user_id=request.user.id, order_number=query.validated_data["order_number"],
            kind=GatewayKind.WECHAT,
        )  # fmt: skip
        return Response(payment_result_data(payment_result_summary(order=order)))


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


def wechat_notify_message(request) -> dict:
    """A WeChat Pay notify as the gateway client verifies it: the signature headers and the
    raw body (the signature is over its exact bytes)."""
    return {
        "headers": {name: request.headers.get(name, "") for name in WECHAT_NOTIFY_HEADERS},
        "body": request.body.decode("utf-8", errors="replace"),
    }


WECHAT_NOTIFY_HEADERS = (
    "Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature", "Wechatpay-Serial",
)  # fmt: skip


def wechat_failure(status: int, message: str) -> JsonResponse:
    """WeChat Pay's failure answer: it sends the notify again later."""
    return JsonResponse({"code": "FAIL", "message": message}, status=status)


class WechatNotifyApi(APIView):
    """WeChat Pay's payment (or refund) notify: JSON, signed in its headers, no login. 204 once
    the result is committed; otherwise 4xx/5xx {"code": "FAIL"} and WeChat retries."""

    authentication_classes = []
    permission_classes = [AllowAny]
    parser_classes = []  # the raw body is read as is: the signature covers its bytes
    refund = False

    @extend_schema(
        summary="WeChat Pay's notify (JSON with Wechatpay-* signature headers); 204 or FAIL",
        request={"application/json": OpenApiTypes.OBJECT},
        responses={
            204: OpenApiResponse(description="processed and committed"),
            (400, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
            (429, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
            (500, "application/json"): OpenApiResponse(OpenApiTypes.OBJECT),
        },
        auth=[],
    )
    def post(self, request):
        handle = services.refund_notify if self.refund else services.payment_notify
        try:
            done = handle(
                data=wechat_notify_message(request),
                client_ip=BaseThrottle().get_ident(request),
                kind=GatewayKind.WECHAT,
            )
        except RateLimited as exc:
            return wechat_failure(429, str(exc.message))
        except (DatabaseError, ServiceUnavailable) as exc:
            logger.warning("WeChat notify not processed, the gateway will retry: %r", exc)
            return wechat_failure(500, _("The notification could not be processed; retry."))
        if not done:
            return wechat_failure(400, _("The notification was not accepted; retry."))
        return HttpResponse(status=204)
