from django.apps import AppConfig


class UsersConfig(AppConfig):
    name = "luffy.users"
    label = "users"
    verbose_name = "Accounts"

    def ready(self):
        from luffy.users import active_cache

        active_cache.connect_invalidation()
