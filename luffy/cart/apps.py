from django.apps import AppConfig


class CartConfig(AppConfig):
    name = "luffy.cart"
    label = "cart"
