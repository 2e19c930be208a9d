"""The sandbox's own /healthz: its database, and the broker when its Celery worker delivers the
notifies (WECHAT_SANDBOX_NOTIFY_RUNNER=celery). 200, or 503 naming what is down."""

from luffy.common.sandbox.health import healthz_view

healthz = healthz_view("WECHAT_SANDBOX")
