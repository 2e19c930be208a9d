from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class UsersConfig(AppConfig):
    name = "luffy.users"
    label = "users"
    verbose_name = _("Accounts")

    def ready(self):
        from luffy.users import active_cache

        active_cache.connect_invalidation()
