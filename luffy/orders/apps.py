from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "luffy.orders"
    label = "orders"
    verbose_name = "Orders and purchases"
