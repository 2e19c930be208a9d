from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BackofficeConfig(AppConfig):
    """The operator's back office: the admin's dashboard, sidebar and staff roles. It composes
    the other apps' admins and reads across them, so it sits above payments in the layers."""

    name = "luffy.backoffice"
    label = "backoffice"
    verbose_name = _("Back office")

    def ready(self):
        from django_celery_results.models import TaskResult

        from luffy.backoffice import roles
        from luffy.backoffice.task_states import task_result_title

        roles.connect_sync()
        # Its own __str__ is "<Task: id (FAILURE)>", which the admin shows as a record's title,
        # breadcrumb and delete question; a proxy model would move the admin's permissions.
        TaskResult.__str__ = task_result_title
