"""The sandbox's own Celery app: it delivers notifies from a background worker, on WeChat's
retry schedule, with the sandbox's settings and database (never the store's worker, which must
not see the sandbox's tables). `make run` starts one worker with beat for it."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luffy.wechat_sandbox.settings")

app = Celery("wechat_sandbox")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["luffy.wechat_sandbox"])
