from django.urls import path

from . import health, views

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("gateway.do", views.gateway, name="gateway"),
    path("sandbox/", views.console, name="console"),
    path("sandbox/cashier/<str:token>/", views.cashier, name="cashier"),
    path("sandbox/cashier/<str:token>/pay/", views.cashier_pay, name="cashier-pay"),
    path("sandbox/cashier/<str:token>/cancel/", views.cashier_cancel, name="cashier-cancel"),
    path("sandbox/trades/<str:out_trade_no>/", views.trade_detail, name="trade"),
    path("sandbox/faults/", views.fault_switches, name="faults"),
    path("sandbox/reset/", views.reset, name="reset"),
]
