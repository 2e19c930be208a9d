"""A sandbox's own /healthz: its database, and the broker when its Celery worker delivers the
notifies (<PREFIX>_NOTIFY_RUNNER=celery). 200, or 503 naming what is down. Apart from the
control views, so it can be imported without the sandbox's models."""

from django.conf import settings
from django.views.decorators.http import require_GET

from luffy.common import health


def healthz_view(settings_prefix: str):
    """The /healthz view of the sandbox whose settings start with `settings_prefix`."""

    @require_GET
    def healthz(request):
        checks = {"database": health.check_database}
        if getattr(settings, f"{settings_prefix}_NOTIFY_RUNNER") == "celery":
            checks["broker"] = health.check_broker
        return health.health_response(checks)

    return healthz
