from django.urls import path

from luffy.orders import api

app_name = "orders"
urlpatterns = [
    path("", api.OrderListApi.as_view(), name="orders"),
    path("preview/", api.CheckoutPreviewApi.as_view(), name="checkout-preview"),
    path("<str:order_number>/", api.OrderDetailApi.as_view(), name="order"),
    path("<str:order_number>/cart/", api.OrderToCartApi.as_view(), name="order-to-cart"),
]
