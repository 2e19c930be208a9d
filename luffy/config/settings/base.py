"""Settings shared by every environment. Everything that differs between machines comes from
environment variables (documented in .env.example) with safe local defaults."""

from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.utils.translation import gettext_lazy

from luffy.common import embedded_redis
from luffy.common.logs import logging_config
from luffy.common.redis import celery_broker_url
from luffy.common.webcache import web_cache_headers

BASE_DIR = Path(__file__).resolve().parents[3]
env = environ.Env()

# Runtime files (SQLite database, embedded Redis socket, uploads, collected static, keys).
VAR_DIR = Path(env("LUFFY_VAR_DIR", default=str(BASE_DIR / "var")))

# Never a committed string. Empty here when SECRET_KEY is not set: local.py (and the sandbox)
# then use a random one generated into VAR_DIR, test.py one per process, and production refuses
# to start. The JWT signing key follows it (simplejwt's SIGNING_KEY defaults to SECRET_KEY).
SECRET_KEY = env("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # The admin theme (issue 15): before django.contrib.admin, whose templates it overrides; its
    # app config makes admin.site an UnfoldAdminSite (sidebar and dashboard: UNFOLD below).
    "unfold",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "csp",
    "django_celery_results",
    "luffy.common",
    "luffy.users",
    "luffy.catalog",
    "luffy.coupons",
    "luffy.access",
    "luffy.orders",
    "luffy.cart",
    "luffy.payments",
    "luffy.backoffice",
]

MIDDLEWARE = [
    "luffy.common.logs.RequestIdMiddleware",  # first: every line of the request carries its id
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",  # before WhiteNoise: the files it serves get the header too
    "luffy.common.middleware.AdminCspMiddleware",  # /admin/ only: what unfold's Alpine.js needs
    "luffy.common.middleware.ApiErrorMiddleware",  # every /api/ answer is JSON
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",  # Accept-Language, else LANGUAGE_CODE
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "luffy.config.urls"
WSGI_APPLICATION = "luffy.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")}


# One stuck row must not stop the store: a statement waiting this long for a row lock, or
# running this long, gives up (a 503 the client or gateway retries) instead of holding a worker.
# Seconds; 0 = the server's default (no limit). The bench or a long migration can raise them.
DB_LOCK_TIMEOUT = env.int("DB_LOCK_TIMEOUT", default=5)
DB_STATEMENT_TIMEOUT = env.int("DB_STATEMENT_TIMEOUT", default=20)


def _database_timeouts(db: dict) -> None:
    """PostgreSQL: lock_timeout and statement_timeout. MariaDB: innodb_lock_wait_timeout and
    max_statement_time (in a /*M! */ comment, which MySQL skips: it has neither variable name,
    and only the lock wait timeout applies there)."""
    engine, options = db["ENGINE"], db.setdefault("OPTIONS", {})
    lock, statement = DB_LOCK_TIMEOUT, DB_STATEMENT_TIMEOUT
    if "postgresql" in engine:
        flags = [f"-c lock_timeout={lock * 1000}" if lock else "",
                 f"-c statement_timeout={statement * 1000}" if statement else ""]  # fmt: skip
        flags = " ".join(flag for flag in [options.get("options", ""), *flags] if flag)
        if flags:
            options["options"] = flags
    elif "mysql" in engine:
        parts = [f"innodb_lock_wait_timeout={lock}"] if lock else []
        if statement:
            parts.append(f"/*M! max_statement_time={statement} */")
        if parts:
            command = "SET SESSION " + ", ".join(parts).replace(", /*M! ", " /*M!, ")
            existing = options.get("init_command")
            options["init_command"] = f"{existing}; {command}" if existing else command


def tune_database(db: dict) -> dict:
    """Engine-specific options every environment needs."""
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        # Concurrent writers queue instead of failing with "database is locked": WAL journal,
        # a busy timeout and write transactions that take the lock when they begin.
        db.setdefault("OPTIONS", {}).update(
            {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
                ),
            }
        )
    elif "mysql" in engine:
        db.setdefault("OPTIONS", {}).update(
            {"charset": "utf8mb4", "isolation_level": "read committed"}
        )
        db.setdefault("TEST", {}).update({"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"})
    _database_timeouts(db)
    # Persistent connections: opening one (and its SQLite PRAGMAs) per request costs more than
    # most of our requests. CONN_HEALTH_CHECKS replaces a dropped one.
    db.setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
    db.setdefault("CONN_HEALTH_CHECKS", True)
    return db


tune_database(DATABASES["default"])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Redis: cache, cart, counters, throttles ----------------------------------------------------
REDIS_URL = env("REDIS_URL", default=embedded_redis.socket_url(VAR_DIR))
CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="luffy"),
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            # Fail fast: a dead Redis must become a 503, not a hung worker.
            "SOCKET_CONNECT_TIMEOUT": 1,
            "SOCKET_TIMEOUT": 2,
        },
    }
}

# Seconds each /healthz check (database, Redis, broker) may take before it counts as down.
HEALTH_CHECK_TIMEOUT = env.float("HEALTH_CHECK_TIMEOUT", default=2.0)

# --- Background jobs (Celery) --------------------------------------------------------------------
# Redis (the store's own by default) or RabbitMQ: amqp://guest:guest@127.0.0.1:5672//
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=celery_broker_url(REDIS_URL))
CELERY_RESULT_BACKEND = "django-db"
CELERY_RESULT_EXTENDED = True  # task name and arguments in the admin's result list
CELERY_RESULT_EXPIRES = timedelta(days=7)  # beat's daily backend_cleanup removes older ones
# Failures are always kept (shown in the admin under 系统), even for tasks that ignore their
# result: the per-minute timeout sweep does (ignore_result=True), so its 1,440 routine successes
# a day do not bury the rows worth reading.
CELERY_TASK_STORE_ERRORS_EVEN_IF_IGNORED = True
CELERY_TASK_ACKS_LATE = (
    True  # a worker that dies mid-task leaves it for another: tasks are idempotent
)
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False  # LOGGING (below) applies: one time format, request ids
CELERY_TIMEZONE = env("TIME_ZONE", default="Asia/Shanghai")
# Orders the timeout sweep times out per transaction (a fixed number of statements each).
SWEEP_BATCH_SIZE = env.int("SWEEP_BATCH_SIZE", default=1000)
# How many of those batches the sweep applies at the same time (threads, each with its own DB
# connection; PostgreSQL and MariaDB/MySQL, SQLite has one writer): a backlog costs the database
# server's CPU per order, so this many server cores work on it. 1 applies them in the sweep's
# own thread.
SWEEP_DB_WORKERS = env.int("SWEEP_DB_WORKERS", default=2)
# The pay URL carries the order's deadline (Alipay's and WeChat Pay's time_expire): nobody can
# pay it later. Orders that reached a cashier and are past their deadline by more than this are
# timed out without asking the gateway (a payment still arriving takes the late-payment path);
# inside it the sweep asks each gateway first (seconds).
SWEEP_GATEWAY_GRACE_SECONDS = env.int("SWEEP_GATEWAY_GRACE_SECONDS", default=300)
# How many orders the sweep asks the gateways about at the same time (threads, each with its own
# DB connection); 1 asks in the sweep's own thread.
SWEEP_GATEWAY_WORKERS = env.int("SWEEP_GATEWAY_WORKERS", default=8)
# Seconds a sweep keeps starting new work; the next run continues. Kept inside the sweep's lock
# expiry (payments.tasks clamps it), so two runs never overlap.
SWEEP_TIME_BUDGET_SECONDS = env.int("SWEEP_TIME_BUDGET_SECONDS", default=240)
# The same for reconciliation (it resumes where the last run stopped), and its page size.
RECONCILE_TIME_BUDGET_SECONDS = env.int("RECONCILE_TIME_BUDGET_SECONDS", default=3000)
RECONCILE_PAGE_SIZE = env.int("RECONCILE_PAGE_SIZE", default=500)
# How many orders of a page the reconciliation asks the gateways about at the same time
# (threads, each with its own DB connection, as the sweep's); 1 asks in the job's own thread.
RECONCILE_GATEWAY_WORKERS = env.int("RECONCILE_GATEWAY_WORKERS", default=8)
# How often beat runs the timeout sweep and the reconciliation (seconds; .ci/multinode.py
# shortens them to see a doubled beat at work within its time bound).
SWEEP_INTERVAL_SECONDS = env.float("SWEEP_INTERVAL_SECONDS", default=60.0)
RECONCILE_INTERVAL_SECONDS = env.float("RECONCILE_INTERVAL_SECONDS", default=3600.0)
CELERY_BEAT_SCHEDULE = {
    "expire-unpaid-orders": {
        "task": "luffy.payments.tasks.expire_unpaid_orders",
        "schedule": SWEEP_INTERVAL_SECONDS,
    },
    "reconcile-payments": {
        "task": "luffy.payments.tasks.reconcile_payments",
        "schedule": RECONCILE_INTERVAL_SECONDS,
    },
    "roll-up-sales-days": {
        "task": "luffy.backoffice.tasks.roll_up_sales_days",
        "schedule": env.float("DASHBOARD_ROLLUP_INTERVAL_SECONDS", default=3600.0),
    },
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# --- Auth ---------------------------------------------------------------------------------------
AUTH_USER_MODEL = "users.User"
# Django's login view is only the admin's (the SPA signs in through the API): after it, the
# dashboard. unfold's login page posts without the stock "next" field, so this is where it lands.
LOGIN_REDIRECT_URL = "admin:index"
AUTHENTICATION_BACKENDS = ["luffy.users.backends.UsernameOrMobileBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Chinese for people by default; a client sending Accept-Language: en gets the English sources.
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# .po in git, .mo compiled at start-up. The second: the admin theme's words (unfold has no
# Chinese catalog of its own); luffy/locale stays first, so makemessages files everything there.
LOCALE_PATHS = [BASE_DIR / "luffy" / "locale", BASE_DIR / "luffy" / "backoffice" / "unfold_locale"]
TIME_ZONE = env("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
# Let the app server serve uploads (fine for one node; behind a proxy or CDN set it off).
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=True)
# The built Vue app (make run builds it): files at the site root, index.html for page paths.
WEB_DIST_DIR = Path(env("WEB_DIST_DIR", default=str(BASE_DIR / "web" / "dist")))
WHITENOISE_ROOT = WEB_DIST_DIR if WEB_DIST_DIR.is_dir() else None
# Vite puts a content hash in every file name under assets/: cache those for a year, HTML never.
WHITENOISE_IMMUTABLE_FILE_TEST = r"^/assets/.+-[0-9A-Za-z_-]{8,}\.\w+$"
WHITENOISE_ADD_HEADERS_FUNCTION = web_cache_headers
_FS = "django.core.files.storage.FileSystemStorage"
_LESSON_BACKEND = env("LESSON_STORAGE_BACKEND", default=_FS)
_LESSON_ROOT = env("LESSON_MEDIA_ROOT", default=str(VAR_DIR / "lessons"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    # Lesson files: private, outside MEDIA_ROOT, served only through signed links. For object
    # storage set LESSON_STORAGE_BACKEND (e.g. storages.backends.s3.S3Storage, docs/deployment.md).
    "lessons": {
        "BACKEND": _LESSON_BACKEND,
        "OPTIONS": {"location": _LESSON_ROOT}
        if _LESSON_BACKEND.endswith("FileSystemStorage")
        else {},
    },
}
# Lesson media: the upload limit.
LESSON_MEDIA_MAX_BYTES = env.int("LESSON_MEDIA_MAX_BYTES", default=500 * 1024 * 1024)
# Seconds a signed lesson link stays valid (the study page fetches a fresh one before it ends).
LESSON_LINK_TTL = env.int("LESSON_LINK_TTL", default=600)
# Who sends a lesson file's bytes once the link is checked: "none" = Python (any storage, with
# Range), "x-accel-redirect" (nginx) or "x-sendfile" (Apache, lighttpd) for files on disk, or
# "redirect" to the storage's own short-lived URL (object storage with signed URLs).
LESSON_SENDFILE = env("LESSON_SENDFILE", default="none")
# The nginx `internal` location that maps to LESSON_MEDIA_ROOT (x-accel-redirect only).
LESSON_SENDFILE_PREFIX = env("LESSON_SENDFILE_PREFIX", default="/protected-lessons/")
# Lessons whose `link` is a video id at a video cloud: which provider issues player tokens.
# "offline" is the stand-in for tests and make run; "polyv" the tutorial's 保利威 scheme.
VIDEO_CLOUD_PROVIDER = env("VIDEO_CLOUD_PROVIDER", default="offline")
POLYV_USER_ID = env("POLYV_USER_ID", default="")
POLYV_SECRET_KEY = env("POLYV_SECRET_KEY", default="")
POLYV_TOKEN_URL = env("POLYV_TOKEN_URL", default="https://hls.videocc.net/service/v1/token")
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- REST API -----------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        # DRF's, refusing over-deep JSON and NUL characters (luffy/common/parsers.py).
        "luffy.common.parsers.JSONParser",
        "luffy.common.parsers.FormParser",
        "luffy.common.parsers.MultiPartParser",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "luffy.common.exception_handler.api_exception_handler",
    "DEFAULT_THROTTLE_RATES": {
        "sms_ip": env("THROTTLE_SMS_IP", default="10/hour"),
        "login_ip": env("THROTTLE_LOGIN_IP", default="60/min"),
        # The anonymous "is this mobile registered" lookup, per client IP.
        "mobile_ip": env("THROTTLE_MOBILE_IP", default="20/min"),
        "coupon_redeem": env("THROTTLE_COUPON_REDEEM", default="10/min"),
        # Saving the playback position, per user (the player saves every ~15 s).
        "progress_user": env("THROTTLE_PROGRESS_USER", default="30/min"),
    },
    # Client IP for throttles: REMOTE_ADDR unless NUM_PROXIES trusted proxies set X-Forwarded-For.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=60)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "UPDATE_LAST_LOGIN": True,
    # Tokens carry a hash of the password hash ("hash_password"): a password change or reset
    # refuses every token issued before it. JWTAuthentication checks it on the user row it
    # loads anyway; the token-only endpoints and the refresh check it against the cached stamp
    # (luffy.users.active_cache), so neither costs a query.
    "CHECK_REVOKE_TOKEN": True,
}

SPECTACULAR_SETTINGS = {
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "luffy.common.schema.every_operation_may_refuse_input",
    ],
    "TITLE": "Luffy course store API",
    "DESCRIPTION": "Courses, cart, checkout and payment. Errors are "
    '{"detail": str, "code": str, "errors"?: {field: [str]}}.',
    "VERSION": "0.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "PATH_CONVERTER_OVERRIDES": {"id": int},  # luffy/common/converters.py
    # The error shape's `code`: the registry of API error codes, one named enum.
    "ENUM_NAME_OVERRIDES": {"ErrorCodeEnum": "luffy.common.error_codes.ERROR_CODE_CHOICES"},
}

# --- Store rules --------------------------------------------------------------------------------
CREDIT_PER_YUAN = env.int("CREDIT_PER_YUAN", default=10)

# --- Accounts -----------------------------------------------------------------------------------
SMS_BACKEND = env("SMS_BACKEND", default="luffy.users.sms.LogBackend")
SMS_CODE_TTL = env.int("SMS_CODE_TTL", default=300)
SMS_RESEND_INTERVAL = env.int("SMS_RESEND_INTERVAL", default=60)
SMS_CODE_MAX_ATTEMPTS = env.int("SMS_CODE_MAX_ATTEMPTS", default=5)
# Seconds before the first retry of a failed SMS send; doubles each retry (max 5 retries).
SMS_RETRY_BACKOFF = env.int("SMS_RETRY_BACKOFF", default=5)
# Failed logins allowed per (client IP, username), per client IP, and per account whatever the
# IP (API and admin login alike; the account then stays locked for a window) within the window.
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_FAILURE_IP_LIMIT = env.int("LOGIN_FAILURE_IP_LIMIT", default=30)
LOGIN_FAILURE_ACCOUNT_LIMIT = env.int("LOGIN_FAILURE_ACCOUNT_LIMIT", default=10)
LOGIN_FAILURE_WINDOW = env.int("LOGIN_FAILURE_WINDOW", default=900)
# Token-only endpoints (cart, pay URL, course access, lessons) read "is this account still
# active" from Redis; saves and deletes update it at once, anything else within this many seconds.
USER_ACTIVE_CACHE_TTL = env.int("USER_ACTIVE_CACHE_TTL", default=300)
AVATAR_MAX_BYTES = env.int("AVATAR_MAX_BYTES", default=2 * 1024 * 1024)

# --- Catalog ------------------------------------------------------------------------------------
CATALOG_CACHE_TTL = env.int("CATALOG_CACHE_TTL", default=600)  # seconds; changes invalidate
CATALOG_PAGE_SIZE = env.int("CATALOG_PAGE_SIZE", default=12)
CATALOG_SEARCH_MAX_LENGTH = env.int("CATALOG_SEARCH_MAX_LENGTH", default=50)
CATALOG_MAX_PAGE_SIZE = env.int("CATALOG_MAX_PAGE_SIZE", default=50)
HOME_BANNER_LIMIT = env.int("HOME_BANNER_LIMIT", default=5)
HOME_NAV_LIMIT = env.int("HOME_NAV_LIMIT", default=8)  # per position

# One time zone with its offset on every line, a request id on every line (luffy/common/logs.py),
# LOG_FORMAT=json for log shippers. Celery's worker keeps this set-up (no root-logger hijack).
LOG_FORMAT = env("LOG_FORMAT", default="plain")
LOGGING = logging_config(
    time_zone=TIME_ZONE, log_format=LOG_FORMAT, level=env("LOG_LEVEL", default="INFO")
)

# --- Orders -------------------------------------------------------------------------------------
# How long an unpaid order waits for payment before it times out.
ORDER_PAY_TIMEOUT = timedelta(minutes=env.int("ORDER_PAY_TIMEOUT_MINUTES", default=12 * 60))

# --- Cart ---------------------------------------------------------------------------------------
CART_MAX_LINES = env.int("CART_MAX_LINES", default=100)
# A cart untouched for this long is forgotten by Redis.
CART_TTL_DAYS = env.int("CART_TTL_DAYS", default=90)

# --- Payments: Alipay -----------------------------------------------------------------------------
# Default: the offline sandbox that `make run` starts (luffy.alipay_sandbox, its own process).
ALIPAY_SANDBOX_PORT = env.int("ALIPAY_SANDBOX_PORT", default=8001)
ALIPAY_GATEWAY = env("ALIPAY_GATEWAY", default=f"http://127.0.0.1:{ALIPAY_SANDBOX_PORT}/gateway.do")
ALIPAY_APP_ID = env("ALIPAY_APP_ID", default="2021000000000000")
ALIPAY_SELLER_ID = env("ALIPAY_SELLER_ID", default="2088000000000000")
# PEM, bare base64 (as the Alipay console shows it) or a file path. Empty: keys generated into
# ALIPAY_KEY_DIR on first use (the offline sandbox reads its halves from the same folder).
ALIPAY_APP_PRIVATE_KEY = env("ALIPAY_APP_PRIVATE_KEY", default="")
ALIPAY_PUBLIC_KEY = env("ALIPAY_PUBLIC_KEY", default="")
ALIPAY_KEY_DIR = Path(env("ALIPAY_KEY_DIR", default=str(VAR_DIR / "alipay")))
ALIPAY_RETURN_URL = env("ALIPAY_RETURN_URL", default="http://127.0.0.1:8000/payments/result")
ALIPAY_NOTIFY_URL = env(
    "ALIPAY_NOTIFY_URL", default="http://127.0.0.1:8000/api/payments/alipay/result/"
)
# What is kept of a gateway message (Alipay's are a few KB; larger ones are cut, and marked).
PAYMENT_MESSAGE_FIELD_MAX = env.int("PAYMENT_MESSAGE_FIELD_MAX", default=2048)  # characters
PAYMENT_MESSAGE_MAX_BYTES = env.int("PAYMENT_MESSAGE_MAX_BYTES", default=16 * 1024)
# Notifies with a bad signature per client IP and window (seconds); more are answered 429 and
# not stored. Correctly signed notifies are never limited.
NOTIFY_BAD_SIGNATURE_LIMIT = env.int("NOTIFY_BAD_SIGNATURE_LIMIT", default=20)
NOTIFY_BAD_SIGNATURE_WINDOW = env.int("NOTIFY_BAD_SIGNATURE_WINDOW", default=3600)
# Seconds: a slow gateway must become a 503, not a hung worker.
ALIPAY_HTTP_TIMEOUT = env.float("ALIPAY_HTTP_TIMEOUT", default=5.0)
# Seconds after which a refund request that never got an answer may be asked again by another
# path (one at a time: a path claims the refund while it asks). Longer than a gateway call.
REFUND_RETRY_AFTER = env.int("REFUND_RETRY_AFTER", default=60)
# Offline sandbox only: its own database, and a factor for the notify retry schedule
# (1 = the real 4m, 10m, 10m, 1h, 2h, 6h, 15h; tests use a tiny one).
ALIPAY_SANDBOX_DATABASE_URL = env(
    "ALIPAY_SANDBOX_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'alipay_sandbox.sqlite3'}"
)
ALIPAY_SANDBOX_NOTIFY_TIME_SCALE = env.float("ALIPAY_SANDBOX_NOTIFY_TIME_SCALE", default=1.0)
ALIPAY_SANDBOX_NOTIFY_POLL_SECONDS = env.float("ALIPAY_SANDBOX_NOTIFY_POLL_SECONDS", default=1.0)
# Who delivers the sandbox's notifies: "thread" (a loop in its server process; tests) or
# "celery" (its own worker with beat, on its own queue; `make run` sets this).
ALIPAY_SANDBOX_NOTIFY_RUNNER = env("ALIPAY_SANDBOX_NOTIFY_RUNNER", default="thread")

# --- Payments: WeChat Pay (API v3) ---------------------------------------------------------------
# Default: the offline WeChat Pay sandbox (luffy.wechat_sandbox, its own process). The live API
# is https://api.mch.weixin.qq.com.
WECHAT_SANDBOX_PORT = env.int("WECHAT_SANDBOX_PORT", default=8002)
WECHAT_API_BASE = env("WECHAT_API_BASE", default=f"http://127.0.0.1:{WECHAT_SANDBOX_PORT}")
WECHAT_MCHID = env("WECHAT_MCHID", default="1900000109")
WECHAT_APPID = env("WECHAT_APPID", default="wxd678efh567hg6787")
# The merchant API certificate's serial number and private key (PEM, base64 or a file path).
WECHAT_MCH_SERIAL_NO = env("WECHAT_MCH_SERIAL_NO", default="LOCALMCHSERIAL0001")
WECHAT_MCH_PRIVATE_KEY = env("WECHAT_MCH_PRIVATE_KEY", default="")
# The 32-character APIv3 key. Empty: generated into WECHAT_KEY_DIR (the sandbox reads it too).
WECHAT_APIV3_KEY = env("WECHAT_APIV3_KEY", default="")
# What verifies WeChat's answers and notifies: the platform certificate's (or WeChat Pay public
# key's, PUB_KEY_ID_...) public key and its serial/id, as Wechatpay-Serial names it.
WECHAT_PLATFORM_PUBLIC_KEY = env("WECHAT_PLATFORM_PUBLIC_KEY", default="")
WECHAT_PLATFORM_SERIAL = env("WECHAT_PLATFORM_SERIAL", default="PUB_KEY_ID_LOCALSANDBOX0001")
WECHAT_KEY_DIR = Path(env("WECHAT_KEY_DIR", default=str(VAR_DIR / "wechat")))
WECHAT_NOTIFY_URL = env(
    "WECHAT_NOTIFY_URL", default="http://127.0.0.1:8000/api/payments/wechat/notify/"
)
WECHAT_REFUND_NOTIFY_URL = env(
    "WECHAT_REFUND_NOTIFY_URL", default="http://127.0.0.1:8000/api/payments/wechat/refund-notify/"
)
WECHAT_HTTP_TIMEOUT = env.float("WECHAT_HTTP_TIMEOUT", default=5.0)
# Where WeChat's H5 page sends a phone browser back (?pay_type=wechat&order_number=... added).
WECHAT_H5_RETURN_URL = env("WECHAT_H5_RETURN_URL", default="http://127.0.0.1:8000/payments/result")
# The offline sandbox's "scan" page, linked from the store's QR code page so a person can
# simulate scanning with a phone. Empty (the default off the local sandbox): no link.
WECHAT_SANDBOX_SCAN_URL = env(
    "WECHAT_SANDBOX_SCAN_URL",
    default=f"{WECHAT_API_BASE}/sandbox/scan/"
    if f"http://127.0.0.1:{WECHAT_SANDBOX_PORT}" == WECHAT_API_BASE
    else "",
)
# Seconds a Wechatpay-Timestamp may be off before the message is refused as stale.
WECHAT_TIMESTAMP_SKEW = env.int("WECHAT_TIMESTAMP_SKEW", default=300)
# Offline WeChat Pay sandbox only: its own database, a factor for the notify retry schedule
# (1 = the real 15s, 15s, 30s, 3m, 10m, 20m, 30m, 30m, 30m, 60m, 3h, 3h, 3h, 6h, 6h), how often
# its delivery loop looks for due notifies, and who runs that loop ("thread" or "celery").
WECHAT_SANDBOX_DATABASE_URL = env(
    "WECHAT_SANDBOX_DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'wechat_sandbox.sqlite3'}"
)
WECHAT_SANDBOX_NOTIFY_TIME_SCALE = env.float("WECHAT_SANDBOX_NOTIFY_TIME_SCALE", default=1.0)
WECHAT_SANDBOX_NOTIFY_POLL_SECONDS = env.float("WECHAT_SANDBOX_NOTIFY_POLL_SECONDS", default=1.0)
WECHAT_SANDBOX_NOTIFY_RUNNER = env("WECHAT_SANDBOX_NOTIFY_RUNNER", default="thread")

# --- Back office (django-unfold) ------------------------------------------------------------
UNFOLD = {
    "SITE_TITLE": gettext_lazy("Luffy back office"),
    "SITE_HEADER": gettext_lazy("Luffy"),
    "SITE_SUBHEADER": gettext_lazy("Back office"),
    "SITE_SYMBOL": "school",
    "SHOW_HISTORY": True,
    "SHOW_VIEW_ON_SITE": False,
    "DASHBOARD_CALLBACK": "luffy.backoffice.dashboard.dashboard_callback",
    "STYLES": ["luffy.backoffice.navigation.stylesheet"],  # the dashboard's and forms' own CSS
    "SIDEBAR": {
        "show_search": True,
        "show_all_applications": True,
        # Grouped by job (课程, 订单与支付, 用户与积分, 优惠券, 系统), each link shown to whoever
        # may view its model: luffy/backoffice/navigation.py.
        "navigation": "luffy.backoffice.navigation.sidebar",
    },
}
# Seconds the dashboard's figures are shared before they are computed again (0 = every time).
DASHBOARD_CACHE_SECONDS = env.int("DASHBOARD_CACHE_SECONDS", default=60)
# Unpaid orders whose deadline is this close are listed on the dashboard ("about to time out").
DASHBOARD_TIMEOUT_SOON = timedelta(minutes=env.int("DASHBOARD_TIMEOUT_SOON_MINUTES", default=60))
# Hours after a local day ends until no payment can land on it any more: the pay timeout
# (ORDER_PAY_TIMEOUT, 12 h) plus the reconciliation's look-back (24 h) plus a margin. Until
# then the hourly roll-up (luffy/backoffice/services.py) rolls the day up again each run.
DASHBOARD_ROLLUP_SETTLE_HOURS = env.int("DASHBOARD_ROLLUP_SETTLE_HOURS", default=48)

# --- Content-Security-Policy (django-csp 4) -------------------------------------------------------
# One policy for the SPA, the admin and the API docs. Scripts only from this origin: the Vite
# build loads module scripts by URL, the admin has no inline scripts, and /api/docs/ is
# drf-spectacular's split view, whose init script is a URL too. Styles may be inline (Element
# Plus, swagger-ui's page). Course covers and lesson videos may live on a CDN (https:). Forms
# may post to this origin and to the Alipay gateway (the SPA navigates there to pay).
_ALIPAY_GATEWAY_ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(ALIPAY_GATEWAY))
# WeChat Pay: the SPA navigates to the h5_url (phones) or links to the sandbox's scan page; the
# QR code itself is a data: image.
_WECHAT_ORIGIN = "{0.scheme}://{0.netloc}".format(urlsplit(WECHAT_API_BASE))
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", "https:"],
        "media-src": [SELF, "blob:", "https:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        "form-action": [SELF, _ALIPAY_GATEWAY_ORIGIN, _WECHAT_ORIGIN],
    }
}
if VIDEO_CLOUD_PROVIDER == "polyv":
    # 保利威's player is a script from its CDN that streams from its own hosts.
    _POLYV = ["https://player.polyv.net", "https://*.polyv.net", "https://*.videocc.net"]
    for _directive in ("script-src", "connect-src", "frame-src"):
        CONTENT_SECURITY_POLICY["DIRECTIVES"].setdefault(_directive, [SELF]).extend(_POLYV)
# The admin only (luffy.common.middleware.AdminCspMiddleware): unfold's Alpine.js evaluates its
# x-data/x-on expressions with the Function constructor, which needs 'unsafe-eval'. Scripts still
# come only from this origin, and the admin is behind staff login; the SPA keeps the strict one.
ADMIN_CSP_UPDATE = {"script-src": ["'unsafe-eval'"]}
