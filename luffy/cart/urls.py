from django.urls import path

from luffy.cart import api

app_name = "cart"
urlpatterns = [
    path("", api.CartApi.as_view(), name="cart"),
    path("selected/", api.CartSelectedApi.as_view(), name="selected"),
    path("count/", api.CartCountApi.as_view(), name="count"),
    path("<id:course_id>/", api.CartLineApi.as_view(), name="line"),
]
