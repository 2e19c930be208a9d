"""What a sandbox server's settings module adds to the store's base settings: its own secret,
control token, app, URLs, database and Celery queue, so its state stays apart from the store's.
A sandbox's settings.py star-imports the base settings, then
`globals().update(server_settings("alipay_sandbox", globals()))`."""

from __future__ import annotations

from pathlib import Path

from luffy.common import local_secret


def server_settings(app: str, base: dict) -> dict:
    """The settings of the server of `app` ("alipay_sandbox"), from the store's `base` settings
    (VAR_DIR, env, tune_database, <APP>_DATABASE_URL, <APP>_NOTIFY_POLL_SECONDS): besides
    Django's, the control token <APP>_CONTROL_TOKEN and the file it is kept in,
    <APP>_CONTROL_TOKEN_FILE."""
    prefix = app.upper()
    var_dir: Path = base["VAR_DIR"]
    env = base["env"]
    # Changing faults or resetting needs the token in an X-Sandbox-Token header: a web page
    # elsewhere can neither read the file nor send the header cross-origin (no CORS here), so it
    # cannot switch faults on. Tests and scripts read it from the var folder.
    token_file = var_dir / f"{app}_control_token"
    return {
        "DEBUG": env.bool("DEBUG", default=False),
        # Its own random secret in the var folder (never the store's, never a committed string).
        "SECRET_KEY": local_secret.load_or_create(var_dir / f"{app}_secret_key"),
        f"{prefix}_CONTROL_TOKEN_FILE": token_file,
        f"{prefix}_CONTROL_TOKEN": local_secret.load_or_create(token_file),
        "INSTALLED_APPS": [f"luffy.{app}"],
        "MIDDLEWARE": [
            "luffy.common.logs.RequestIdMiddleware",
            "django.middleware.security.SecurityMiddleware",
            "django.middleware.common.CommonMiddleware",
        ],
        "ROOT_URLCONF": f"luffy.{app}.urls",
        "WSGI_APPLICATION": f"luffy.{app}.wsgi.application",
        "TEMPLATES": [
            {
                "BACKEND": "django.template.backends.django.DjangoTemplates",
                "APP_DIRS": True,
                "OPTIONS": {"context_processors": ["django.template.context_processors.request"]},
            }
        ],
        "DATABASES": {
            "default": base["tune_database"](env.db_url_config(base[f"{prefix}_DATABASE_URL"]))
        },
        # No Redis: the sandbox needs nothing but its database.
        "CACHES": {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}},
        # Notify delivery by Celery (<APP>_NOTIFY_RUNNER=celery): the sandbox's own worker with
        # beat, on its own queue of the store's broker.
        "CELERY_TASK_DEFAULT_QUEUE": app,
        "CELERY_RESULT_BACKEND": None,
        "CELERY_BEAT_SCHEDULE": {
            "deliver-notifies": {
                "task": f"luffy.{app}.tasks.deliver_notifies",
                "schedule": base[f"{prefix}_NOTIFY_POLL_SECONDS"],
            }
        },
        "CELERY_BEAT_SCHEDULE_FILENAME": str(var_dir / f"{app.replace('_', '-')}-beat"),
    }
