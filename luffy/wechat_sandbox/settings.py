"""Settings of the offline WeChat Pay sandbox server: the store's base settings (WeChat ids,
keys folder, time zone) with its own URLs, apps and database, so its state stays apart from the
store's. Run by `make run` as its own gunicorn process on 127.0.0.1:WECHAT_SANDBOX_PORT."""

from luffy.common import local_secret
from luffy.config.settings.base import *  # noqa: F403
from luffy.config.settings.base import (
    VAR_DIR,
    WECHAT_SANDBOX_DATABASE_URL,
    WECHAT_SANDBOX_NOTIFY_POLL_SECONDS,
    env,
    tune_database,
)

DEBUG = env.bool("DEBUG", default=False)
# Its own random secret in the var folder (never the store's, never a committed string).
SECRET_KEY = local_secret.load_or_create(VAR_DIR / "wechat_sandbox_secret_key")
# Changing faults or resetting needs this in an X-Sandbox-Token header (as the Alipay
# sandbox): a page on another origin can neither read the file nor send the header.
WECHAT_SANDBOX_CONTROL_TOKEN_FILE = VAR_DIR / "wechat_sandbox_control_token"
WECHAT_SANDBOX_CONTROL_TOKEN = local_secret.load_or_create(WECHAT_SANDBOX_CONTROL_TOKEN_FILE)
INSTALLED_APPS = ["luffy.wechat_sandbox"]
MIDDLEWARE = [
    "luffy.common.logs.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.middleware.common.CommonMiddleware",
]
APPEND_SLASH = False  # the v3 paths have none; a redirect would lose the POST body
ROOT_URLCONF = "luffy.wechat_sandbox.urls"
WSGI_APPLICATION = "luffy.wechat_sandbox.wsgi.application"
TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "APP_DIRS": True,
        "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
    }
]
DATABASES = {"default": tune_database(env.db_url_config(WECHAT_SANDBOX_DATABASE_URL))}
# No Redis: the sandbox needs nothing but its database.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Notify delivery by Celery (WECHAT_SANDBOX_NOTIFY_RUNNER=celery): the sandbox's own worker with
# beat, on its own queue of the store's broker.
CELERY_TASK_DEFAULT_QUEUE = "wechat_sandbox"
CELERY_RESULT_BACKEND = None
CELERY_BEAT_SCHEDULE = {
    "deliver-notifies": {
        "task": "luffy.wechat_sandbox.tasks.deliver_notifies",
        "schedule": WECHAT_SANDBOX_NOTIFY_POLL_SECONDS,
    }
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "wechat-sandbox-beat")
