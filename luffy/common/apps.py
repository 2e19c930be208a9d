from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "luffy.common"
    label = "common"
