from django.apps import AppConfig


class CouponsConfig(AppConfig):
    name = "luffy.coupons"
    label = "coupons"
