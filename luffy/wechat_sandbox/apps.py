from django.apps import AppConfig


class WechatSandboxConfig(AppConfig):
    name = "luffy.wechat_sandbox"
    label = "wechat_sandbox"
    verbose_name = "Offline WeChat Pay sandbox"
