from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from luffy.cart import selectors, services
from luffy.cart.serializers import (
    CartAddInputSerializer,
    CartCountSerializer,
    CartLineSerializer,
    CartLineUpdateInputSerializer,
    CartSelectAllInputSerializer,
    CartSelectedSerializer,
    CartSerializer,
)
from luffy.common.money import with_money_strings
from luffy.common.schema import errors
from luffy.users.authentication import ActiveTokenUserAuthentication


class CartApiView(APIView):
    # Reads return the selectors' dicts directly (money as strings): DRF serializers cost more
    # than the rest of the request on a 100-line cart. The serializers document the schema.
    # The cart only needs the user id from the token: no user query on every cart request.
    authentication_classes = [ActiveTokenUserAuthentication]
    permission_classes = [IsAuthenticated]


class CartApi(CartApiView):
    @extend_schema(summary="The cart with prices and totals of the selected lines",
                   responses={200: CartSerializer, **errors(401, 503)})  # fmt: skip
    def get(self, request):
        return Response(with_money_strings(selectors.cart_get(user_id=request.user.id)))

    @extend_schema(
        summary="Add a course (selected)",
        request=CartAddInputSerializer,
        responses={201: CartCountSerializer, **errors(400, 401, 404, 409, 503)},
    )
    def post(self, request):
        data = CartAddInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        count = services.cart_add(user_id=request.user.id, **data.validated_data)
        return Response({"cart_num": count}, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="cart_select_all",  # cart_partial_update is the line's PATCH
        summary="Select every available line, or clear the selection",
        request=CartSelectAllInputSerializer,
        responses={200: CartSerializer, **errors(400, 401, 503)},
    )
    def patch(self, request):
        data = CartSelectAllInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.cart_select_all(user_id=request.user.id, **data.validated_data)
        return Response(with_money_strings(selectors.cart_get(user_id=request.user.id)))


class CartLineApi(CartApiView):
    @extend_schema(
        summary="Change a line's validity option and/or selection",
        request=CartLineUpdateInputSerializer,
        responses={200: CartLineSerializer, **errors(400, 401, 404, 409, 503)},
    )
    def patch(self, request, course_id: int):
        data = CartLineUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        line = services.cart_update_line(
            user_id=request.user.id, course_id=course_id, **data.validated_data
        )
        return Response(CartLineSerializer(line).data)

    @extend_schema(summary="Remove a line", responses={204: None, **errors(401, 404, 503)})
    def delete(self, request, course_id: int):
        services.cart_remove(user_id=request.user.id, course_id=course_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class CartSelectedApi(CartApiView):
    @extend_schema(summary="The selected lines, as the order-confirmation page needs them",
                   responses={200: CartSelectedSerializer, **errors(401, 503)})  # fmt: skip
    def get(self, request):
        return Response(
            CartSelectedSerializer(selectors.cart_selected(user_id=request.user.id)).data
        )


class CartCountApi(CartApiView):
    @extend_schema(summary="Number of lines, for the header badge",
                   responses={200: CartCountSerializer, **errors(401, 503)})  # fmt: skip
    def get(self, request):
        return Response({"cart_num": selectors.cart_count(user_id=request.user.id)})
