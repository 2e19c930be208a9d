"""Test settings: the embedded Redis unless REDIS_URL points at a real one."""

import atexit
import os
import secrets
import tempfile
from pathlib import Path

from luffy.common import embedded_redis

from .base import *  # noqa: F403
from .base import CACHES, DATABASES, SECRET_KEY, celery_broker_url, env

DEBUG = False
# A fresh random secret per test process (never a string from the repository).
SECRET_KEY = SECRET_KEY or secrets.token_urlsafe(48)
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
SMS_BACKEND = "luffy.users.sms.MemoryBackend"
SMS_RETRY_BACKOFF = 1
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "lessons": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
}

if "REDIS_URL" not in os.environ:
    # One private redis-server per test process, stopped when the process exits.
    _redis_dir = Path(tempfile.mkdtemp(prefix="luffy-test-redis-"))
    _redis_process = embedded_redis.start(_redis_dir)
    atexit.register(embedded_redis.stop, _redis_process)
    REDIS_URL = embedded_redis.socket_url(_redis_dir)
    CACHES["default"]["LOCATION"] = REDIS_URL
    if "CELERY_BROKER_URL" not in os.environ:
        CELERY_BROKER_URL = celery_broker_url(REDIS_URL)

CACHES["default"]["KEY_PREFIX"] = env("CACHE_KEY_PREFIX", default="luffy-test")

# An empty but existing folder, so WhiteNoise does not warn in every test run.
STATIC_ROOT = Path(tempfile.mkdtemp(prefix="luffy-test-static-"))

# Tasks run in-process unless a test starts a real worker (see tests/common/test_tasks.py).
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True

# Alipay keys generated once per test process, never into the repository's var/.
ALIPAY_KEY_DIR = Path(env("ALIPAY_KEY_DIR", default=tempfile.mkdtemp(prefix="luffy-test-alipay-")))
WECHAT_KEY_DIR = Path(env("WECHAT_KEY_DIR", default=tempfile.mkdtemp(prefix="luffy-test-wechat-")))

# SQLite tests use a database file, not pytest-django's shared in-memory one: every thread (the
# live server's, the concurrency tests') then has its own connection, as in production, and
# concurrent writers queue on the WAL lock instead of failing on shared-cache table locks.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    _sqlite_dir = Path(tempfile.mkdtemp(prefix="luffy-test-db-"))
    DATABASES["default"]["TEST"] = {"NAME": str(_sqlite_dir / "test.sqlite3")}
