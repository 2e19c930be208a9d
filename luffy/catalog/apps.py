from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "luffy.catalog"
    label = "catalog"
    verbose_name = _("Courses")

    def ready(self) -> None:
        from luffy.catalog import cache

        cache.connect_invalidation()
