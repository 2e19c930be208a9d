from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "luffy.access"
    label = "access"
    verbose_name = "Course access"

    def ready(self) -> None:
        from luffy.access import checks  # noqa: F401 - registers the playback checks
