from django.urls import path

from luffy.payments import api

app_name = "payments"
urlpatterns = [
    path("alipay/", api.PayUrlApi.as_view(), name="pay-url"),
    path("alipay/result/", api.AlipayResultApi.as_view(), name="result"),
    path("pay-url/", api.PayUrlApi.as_view(), name="pay-url-any"),
    path("wechat/result/", api.WechatResultApi.as_view(), name="wechat-result"),
    path("wechat/notify/", api.WechatNotifyApi.as_view(), name="wechat-notify"),
    path(
        "wechat/refund-notify/",
        api.WechatNotifyApi.as_view(refund=True),
        name="wechat-refund-notify",
    ),
]
