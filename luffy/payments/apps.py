from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "luffy.payments"
    label = "payments"
    verbose_name = "Payments"
