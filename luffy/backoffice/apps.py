from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The operator's back office: the admin's dashboard, sidebar and staff roles. It composes
    the other apps' admins and reads across them, so it sits above payments in the layers."""

    name = "luffy.backoffice"
    label = "backoffice"
    verbose_name = _("Back office")

    def ready(self):
        from luffy.backoffice import roles

        roles.connect_sync()
