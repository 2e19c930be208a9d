from django.apps import AppConfig


class CommonConfig(AppConfig):
    name = "luffy.common"
    label = "common"

    def ready(self) -> None:
        from luffy.common import (  # noqa: F401  (registers them)
            checks,
            converters,
            schema_extensions,
        )
