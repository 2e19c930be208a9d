from django.apps import AppConfig
from django.conf import settings


class CommonConfig(AppConfig):
    name = "luffy.common"
    label = "common"

    def __init__(self, app_name, app_module) -> None:
        super().__init__(app_name, app_module)
        # Before any app's ready() (the admin's autodiscovery already translates): Django caches a
        # language's catalog the first time it is used, so a .mo written later would go unseen.
        from luffy.common.locale_build import ensure_compiled

        ensure_compiled(settings.LOCALE_PATHS)

    def ready(self) -> None:
        from luffy.common import (  # noqa: F401  (registers them)
            checks,
            converters,
            schema_extensions,
        )
