from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "luffy.catalog"
    label = "catalog"

    def ready(self) -> None:
        from luffy.catalog import cache

        cache.connect_invalidation()
