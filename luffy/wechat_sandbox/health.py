"""The sandbox's own /healthz: its database, and the broker when its Celery worker delivers the
notifies (WECHAT_SANDBOX_NOTIFY_RUNNER=celery). 200, or 503 naming what is down."""

from django.conf import settings
from django.views.decorators.http import require_GET

from luffy.common import health


@require_GET
def healthz(request):
    checks = {"database": health.check_database}
    if settings.WECHAT_SANDBOX_NOTIFY_RUNNER == "celery":
        checks["broker"] = health.check_broker
    return health.health_response(checks)
