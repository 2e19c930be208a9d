from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "luffy.users"
    label = "users"
    verbose_name = "Accounts"
