from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    name = "luffy.access"
    label = "access"
    verbose_name = _("Course access")

    def ready(self) -> None:
        from luffy.access import checks  # noqa: F401 - registers the playback checks
