from django.urls import path

from luffy.payments import api

app_name = "payments"
urlpatterns = [
    path("alipay/", api.PayUrlApi.as_view(), name="pay-url"),
    path("alipay/result/", api.AlipayResultApi.as_view(), name="result"),
]
