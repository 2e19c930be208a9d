from django.urls import path

from . import health, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("v3/pay/transactions/native", views.native, name="native"),
    path("v3/pay/transactions/h5", views.h5, name="h5"),
    path(
        "v3/pay/transactions/out-trade-no/<str:out_trade_no>",
        views.transaction_query,
        name="query",
    ),
    path(
        "v3/pay/transactions/out-trade-no/<str:out_trade_no>/close",
        views.transaction_close,
        name="close",
    ),
    path("v3/refund/domestic/refunds", views.refunds, name="refunds"),
    path("v3/refund/domestic/refunds/<str:out_refund_no>", views.refund_query, name="refund"),
    path("sandbox/", views.console, name="console"),
    path("sandbox/scan/", views.scan, name="scan"),
    path("sandbox/native/<str:token>/", views.native_cashier, name="native-cashier"),
    path("sandbox/native/<str:token>/pay/", views.native_pay, name="native-pay"),
    path("sandbox/h5/", views.h5_cashier, name="h5-cashier"),
    path("sandbox/h5/pay/", views.h5_pay, name="h5-pay"),
    path("sandbox/trades/<str:out_trade_no>/", views.trade_detail, name="trade"),
    path("sandbox/faults/", views.fault_switches, name="faults"),
    path("sandbox/reset/", views.reset, name="reset"),
]
