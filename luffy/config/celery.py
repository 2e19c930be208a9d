"""The Celery app. Broker: CELERY_BROKER_URL, else the store's Redis (embedded by default).
Results (and failures, shown in the admin) go to the database via django-celery-results.

Usable from the celery CLI too (`celery -A luffy call luffy.payments.tasks.reconcile_payments`,
`celery -A luffy inspect ping`): Django is set up as soon as the app reads its configuration,
since the result backend's models need the app registry (Celery's Django fix-up does that only
in the worker)."""

import os

from celery import Celery
from celery.signals import before_task_publish, task_postrun, task_prerun, worker_ready

from luffy.common.logs import request_id_var

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


# The request id follows the work: a task queued while handling a request carries the request's
# id in a message header, and the worker logs under it (a task from beat: under its task id).
@before_task_publish.connect
def _pass_request_id(headers=None, **kwargs) -> None:
    request_id = request_id_var.get()
    if headers is not None and request_id != "-":
        headers.setdefault("request_id", request_id)


@task_prerun.connect
def _take_request_id(sender=None, task_id=None, task=None, **kwargs) -> None:
    if task is not None and not task.request.is_eager:  # eager: the caller's id stays
        request_id_var.set(getattr(task.request, "request_id", None) or task_id or "-")


@task_postrun.connect
def _drop_request_id(sender=None, task=None, **kwargs) -> None:
    if task is not None and not task.request.is_eager:
        request_id_var.set("-")
