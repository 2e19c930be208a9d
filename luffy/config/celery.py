"""The Celery app. Broker: CELERY_BROKER_URL, else the store's Redis (embedded by default).
Results (and failures, shown in the admin) go to the database via django-celery-results.

Usable from the celery CLI too (`celery -A luffy call luffy.payments.tasks.reconcile_payments`,
`celery -A luffy inspect ping`): Django is set up as soon as the app reads its configuration,
since the result backend's models need the app registry (Celery's Django fix-up does that only
in the worker)."""

import os

from celery import Celery

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
