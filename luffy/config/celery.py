"""The Celery app. Broker: CELERY_BROKER_URL, else the store's Redis (embedded by default).
Results (and failures, shown in the admin) go to the database via django-celery-results.

Usable from the celery CLI too (`celery -A luffy call luffy.payments.tasks.reconcile_payments`,
`celery -A luffy inspect ping`): Django is set up as soon as the app reads its configuration,
since the result backend's models need the app registry (Celery's Django fix-up does that only
in the worker)."""

import os

from celery import Celery
from celery.signals import task_postrun, worker_ready

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luffy.config.settings.local")

app = Celery("luffy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _setup_django(sender, **kwargs) -> None:
    from django.apps import apps

    if not apps.ready and not apps.loading:  # a process that is not Django already
        import django

        django.setup()


# The worker's heartbeat for /healthz: when it started and when it last finished a task (beat
# sends the sweep every minute, so a live worker is never more than a minute or two behind).
# Only this app's worker: the sandbox's worker loads this module too.
@worker_ready.connect
def _worker_heartbeat_on_start(sender=None, **kwargs) -> None:
    if getattr(sender, "app", None) is app:
        from luffy.common.health import heartbeat_record

        heartbeat_record("worker")


@task_postrun.connect
def _worker_heartbeat_after_task(sender=None, task=None, **kwargs) -> None:
    if task is not None and task.app is app and not task.request.is_eager:
        from luffy.common.health import heartbeat_record

        heartbeat_record("worker")
