from django.urls import path

from luffy.coupons import api

app_name = "coupons"
urlpatterns = [
    path("", api.CouponListApi.as_view(), name="coupons"),
    path("redeem/", api.CouponRedeemApi.as_view(), name="redeem"),
]
