"""WSGI entry of the offline Alipay sandbox server (`make run` starts it with gunicorn)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luffy.alipay_sandbox.settings")
application = get_wsgi_application()

from django.conf import settings  # noqa: E402

from luffy.alipay_sandbox.notify import runner  # noqa: E402 - needs Django set up

if settings.ALIPAY_SANDBOX_NOTIFY_RUNNER == "thread":  # else its Celery worker delivers
    runner.start_loop()
