from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from luffy.common.pagination import PageSizePagination
from luffy.common.schema import PAGE_PARAMETERS, errors, paginated
from luffy.orders import selectors, services
from luffy.orders.quote import checkout_quote
from luffy.orders.serializers import (
    CheckoutPreviewInputSerializer,
    CheckoutQuoteSerializer,
    OrderCreatedSerializer,
    OrderCreateInputSerializer,
    OrderListQuerySerializer,
    OrderSerializer,
    PutBackSerializer,
    orders_data,
)


class OrderListApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Check out the selected cart lines",
        request=OrderCreateInputSerializer,
        responses={201: OrderCreatedSerializer, **errors(400, 401, 409, 503)},
    )
    def post(self, request):
        data = OrderCreateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.order_create(user_id=request.user.id, **data.validated_data)
        order = result.order
        notice = (
            f"Prices changed since you opened the page; the order total is {order.real_price:.2f}."
            if result.price_changed
            else None
        )
        body = {
            "order_number": order.order_number,
            "real_price": order.real_price,
            "status": order.status,
            "pay_deadline": order.pay_deadline,
            "price_changed": result.price_changed,
            "notice": notice,
        }
        return Response(OrderCreatedSerializer(body).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="My orders, newest first",
        operation_id="orders_list",  # a page, not one object: keep the list id
        parameters=[OrderListQuerySerializer, *PAGE_PARAMETERS],
        responses={200: paginated(OrderSerializer), **errors(400, 401, 404)},
    )
    def get(self, request):
        query = OrderListQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        orders = selectors.order_list(user_id=request.user.id, **query.validated_data)
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(orders, request, view=self)
        # Rows written directly (orders_data): OrderSerializer documents the same shape.
        rows = selectors.order_rows_with_lines(page)
        return paginator.get_paginated_response(orders_data(rows))


class CheckoutPreviewApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The breakdown of checking out the selected cart lines (nothing is reserved)",
        request=CheckoutPreviewInputSerializer,
        responses={200: CheckoutQuoteSerializer, **errors(400, 401, 409, 503)},
    )
    def post(self, request):
        data = CheckoutPreviewInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        quote = checkout_quote(user_id=request.user.id, at=timezone.now(), **data.validated_data)
        return Response(CheckoutQuoteSerializer(quote).data)


class OrderDetailApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(summary="One of my orders", responses={200: OrderSerializer, **errors(401, 404)})
    def get(self, request, order_number: str):
        order = selectors.order_row_get(user_id=request.user.id, order_number=order_number)
        return Response(orders_data([order])[0])


class OrderToCartApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="Put a cancelled or timed-out order's courses back in my cart, with their "
        "validity options; courses I can use now or no longer on sale are skipped and named",
        request=None,
        responses={200: PutBackSerializer, **errors(401, 404, 409, 503)},
    )
    def post(self, request, order_number: str):
        added, skipped, count = services.order_courses_to_cart(
            user_id=request.user.id, order_number=order_number
        )
        body = {"added": added, "skipped": skipped, "cart_num": count}
        return Response(PutBackSerializer(body).data)
