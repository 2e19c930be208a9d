"""gunicorn settings of the store and the sandbox: `gunicorn -c python:luffy.config.gunicorn ...`
(python -m luffy.serve passes it). Access log on, to stdout; gunicorn's own lines and the
access lines in the store's format: TIME_ZONE with its offset, LOG_FORMAT=json for JSON lines,
and the request id (the X-Request-ID the store answers with) on every access line."""

import os

from luffy.common.logs import logging_config

accesslog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms "%(a)s" request_id=%({x-request-id}o)s'

_store = logging_config(
    time_zone=os.environ.get("TIME_ZONE", "Asia/Shanghai"),
    log_format=os.environ.get("LOG_FORMAT", "plain"),
    level=os.environ.get("LOG_LEVEL", "INFO"),
)
logconfig_dict = {
    **_store,
    "handlers": {
        "error_console": {**_store["handlers"]["console"], "stream": "ext://sys.stderr"},
        "console": {**_store["handlers"]["console"], "stream": "ext://sys.stdout"},
    },
    "root": {"handlers": ["error_console"], "level": _store["root"]["level"]},
    "loggers": {
        "gunicorn.error": {"handlers": ["error_console"], "level": "INFO", "propagate": False},
        "gunicorn.access": {"handlers": ["console"], "level": "INFO", "propagate": False},
    },
}
