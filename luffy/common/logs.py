"""Logs that follow an order: a request id on every line, one time zone with its offset, an
optional JSON format, and one line per business event.

- RequestIdMiddleware takes X-Request-ID from the request (from the proxy, or a client) when it
  is a sane token, or makes one; it is kept in a contextvar for the request, echoed in the
  response's X-Request-ID (gunicorn's access line shows it), and passed to every Celery task the
  request queues (a task header, see luffy/config/celery.py), so the worker's lines carry it.
- RequestIdFilter puts it on every record (`-` outside a request or task).
- StoreFormatter writes times in the store's TIME_ZONE with an explicit offset:
  `2026-12-02 14:03:01+0800`; JsonFormatter (LOG_FORMAT=json) one JSON object per line.
- event(): one line per business event, `order.created order=... user=... key=value ...`, so
  `grep <order number>` across web, worker and sandbox logs tells the order's story;
  events_many(): one event of many orders (the timeout sweep's batch), `order.timed_out
  orders=<number>:<user>,...`, up to EVENTS_PER_LINE orders a line.

Standard library only: python-json-logger would add a dependency for a dozen lines."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import uuid
from datetime import datetime
from zoneinfo import ZoneInfo

request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

HEADER = "X-Request-ID"
_SANE = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")  # anything else is replaced, never logged

events = logging.getLogger("luffy.events")


def new_request_id() -> str:
    return uuid.uuid4().hex


def request_id_from(value: str | None) -> str:
    return value if value and _SANE.match(value) else new_request_id()


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request_id_from(request.headers.get(HEADER))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response[HEADER] = request_id
        return response


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


class StoreFormatter(logging.Formatter):
    """Times in one zone (the store's TIME_ZONE), always with the offset."""

    default_format = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"

    def __init__(self, fmt=None, datefmt=None, style="%", validate=True, *, time_zone="UTC"):
        super().__init__(fmt or self.default_format, datefmt, style, validate)
        self.zone = ZoneInfo(time_zone)

    def formatTime(self, record, datefmt=None):
        when = datetime.fromtimestamp(record.created, tz=self.zone)
        return when.strftime(datefmt or "%Y-%m-%d %H:%M:%S%z")

    def format(self, record):
        if not hasattr(record, "request_id"):  # a handler configured without the filter
            record.request_id = request_id_var.get()
        return super().format(record)


class JsonFormatter(StoreFormatter):
    """One JSON object per line: time, level, logger, message, request_id, and the event's
    fields (event, order_number, user_id, ...) when it is one."""

    def format(self, record):
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        line = {
            "time": self.formatTime(record),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": record.request_id,
            "process": record.process,
        }
        if getattr(record, "event", None):
            line.update(event=record.event, order_number=record.order_number,
                        user_id=record.user_id, **getattr(record, "fields", {}))  # fmt: skip
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False, default=str)


def _text(value) -> str:
    """A value as one token of a log line: quoted when it has spaces or control characters
    (a gateway message's fields come from outside: no forged lines)."""
    text = str(value)
    return text if text and text.isprintable() and " " not in text else repr(text)


def event(
    name: str, *, order_number, user_id, level: int = logging.INFO, request_id=None, **fields
) -> None:
    """One business event: `<name> order=<number> user=<id> key=value ...`."""
    if isinstance(user_id, str) and user_id.isdigit():  # token-only requests carry it as text
        user_id = int(user_id)
    details = "".join(f" {key}={_text(value)}" for key, value in fields.items())
    events.log(
        level,
        "%s order=%s user=%s%s",
        name,
        _text(order_number or "-"),
        user_id if user_id is not None else "-",
        details,
        extra={
            "event": name,
            "order_number": order_number,
            "user_id": user_id,
            "fields": fields,
            "request_id": request_id or request_id_var.get(),
        },
    )


EVENTS_PER_LINE = 100  # a line of ~3 KB: far below the 16 KB at which Docker splits lines


def events_many(name: str, orders, *, level: int = logging.INFO) -> None:
    """One business event that happened to many orders at once (the timeout sweep's batch),
    as few lines: `<name> orders=<number>:<user>,<number>:<user>,...`, at most
    EVENTS_PER_LINE orders a line, so `grep <order number>` still finds the order's line (and
    its user) without a line per order (100,000 of them took seconds of the sweep's time).
    `orders` is (order number, user id) pairs. JSON lines carry them as `orders`, a list of
    [number, user] pairs."""
    orders = list(orders)
    request_id = request_id_var.get()
    for start in range(0, len(orders), EVENTS_PER_LINE):
        chunk = orders[start : start + EVENTS_PER_LINE]
        listed = ",".join(f"{_text(number)}:{user_id}" for number, user_id in chunk)
        events.log(
            level,
            "%s orders=%s",
            name,
            listed,
            extra={
                "event": name,
                "order_number": None,
                "user_id": None,
                "fields": {"orders": [[number, user_id] for number, user_id in chunk]},
                "request_id": request_id,
            },
        )


def event_on_commit(name: str, **kwargs) -> None:
    """event() once the current transaction commits (a rolled-back change never happened),
    under the request id of now."""
    from django.db import transaction

    request_id = request_id_var.get()
    transaction.on_commit(lambda: event(name, request_id=request_id, **kwargs))


def logging_config(*, time_zone: str, log_format: str = "plain", level: str = "INFO") -> dict:
    """The LOGGING dict of the store and the sandbox (and gunicorn's, luffy/config/gunicorn.py)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"request_id": {"()": "luffy.common.logs.RequestIdFilter"}},
        "formatters": {
            "plain": {"()": "luffy.common.logs.StoreFormatter", "time_zone": time_zone},
            "json": {"()": "luffy.common.logs.JsonFormatter", "time_zone": time_zone},
        },
        "handlers": {
            "console": {
                "class": "logging.StreamHandler",
                "formatter": "json" if log_format == "json" else "plain",
                "filters": ["request_id"],
            }
        },
        "root": {"handlers": ["console"], "level": level},
        "loggers": {"django.db.backends": {"level": "WARNING"}},
    }
