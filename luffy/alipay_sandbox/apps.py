from django.apps import AppConfig


class AlipaySandboxConfig(AppConfig):
    name = "luffy.alipay_sandbox"
    label = "alipay_sandbox"
    verbose_name = "Offline Alipay sandbox"
