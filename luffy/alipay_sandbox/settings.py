"""Settings of the offline Alipay sandbox server: the store's base settings (Alipay ids, keys
folder, time zone) with its own URLs, apps and database, so its state stays apart from the
store's. Run by `make run` as its own gunicorn process on 127.0.0.1:ALIPAY_SANDBOX_PORT."""

from luffy.common import local_secret
from luffy.config.settings.base import *  # noqa: F403
from luffy.config.settings.base import (
    ALIPAY_SANDBOX_DATABASE_URL,
    ALIPAY_SANDBOX_NOTIFY_POLL_SECONDS,
    VAR_DIR,
    env,
    tune_database,
)

DEBUG = env.bool("DEBUG", default=False)
# Its own random secret in the var folder (never the store's, never a committed string).
SECRET_KEY = local_secret.load_or_create(VAR_DIR / "alipay_sandbox_secret_key")
# Changing faults or resetting needs this in an X-Sandbox-Token header: a web page elsewhere can
# neither read the file nor send the header cross-origin (no CORS here), so it cannot switch
# faults on. Tests and scripts read it from the var folder.
ALIPAY_SANDBOX_CONTROL_TOKEN_FILE = VAR_DIR / "alipay_sandbox_control_token"
ALIPAY_SANDBOX_CONTROL_TOKEN = local_secret.load_or_create(ALIPAY_SANDBOX_CONTROL_TOKEN_FILE)
INSTALLED_APPS = ["luffy.alipay_sandbox"]
MIDDLEWARE = [
    "luffy.common.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
ROOT_URLCONF = "luffy.alipay_sandbox.urls"
WSGI_APPLICATION = "luffy.alipay_sandbox.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": tune_database(env.db_url_config(ALIPAY_SANDBOX_DATABASE_URL))}
# No Redis: the sandbox needs nothing but its database.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Notify delivery by Celery (ALIPAY_SANDBOX_NOTIFY_RUNNER=celery): the sandbox's own worker with
# beat, on its own queue of the store's broker.
CELERY_TASK_DEFAULT_QUEUE = "alipay_sandbox"
CELERY_RESULT_BACKEND = None
CELERY_BEAT_SCHEDULE = {
    "deliver-notifies": {
        "task": "luffy.alipay_sandbox.tasks.deliver_notifies",
        "schedule": ALIPAY_SANDBOX_NOTIFY_POLL_SECONDS,
    }
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "alipay-sandbox-beat")
