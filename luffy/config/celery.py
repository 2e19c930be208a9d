"""The Celery app. Broker: CELERY_BROKER_URL, else the store's Redis (embedded by default).
Results (and failures, shown in the admin) go to the database via django-celery-results."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "luffy.config.settings.local")

app = Celery("luffy")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
