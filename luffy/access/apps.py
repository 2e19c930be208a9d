from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "luffy.access"
    label = "access"
    verbose_name = "Course access"
