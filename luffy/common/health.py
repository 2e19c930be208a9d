"""Health checks (/healthz of the store and of the offline sandbox) and heartbeats.

Each check runs in its own thread with a deadline (HEALTH_CHECK_TIMEOUT seconds, default 2), and
each client also gets a socket timeout of that size, so a dependency that accepts connections
but never answers makes /healthz a quick 503 naming it, never a hung load-balancer probe.
Heartbeats are timestamps that background work writes into Redis (the sweep task, the worker on
start and after each task); /healthz reports them without failing on them, so a monitor can see
a dead worker or beat."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from datetime import datetime

from django.conf import settings
from django.db import connections
from django.http import JsonResponse
from django.utils import timezone

logger = logging.getLogger(__name__)

HEARTBEATS = ("sweep", "reconcile", "worker")


def _timeout() -> float:
    return float(getattr(settings, "HEALTH_CHECK_TIMEOUT", 2.0))


def check_database() -> None:
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    finally:
        if threading.current_thread() is not threading.main_thread():
            connections["default"].close()  # this check's thread ends: no connection left open


def check_redis() -> None:
    from django_redis import get_redis_connection

    get_redis_connection("default").ping()


def check_broker() -> None:
    """Connect to CELERY_BROKER_URL and open a channel (Redis: AUTH, SELECT and PING; AMQP:
    the login and a channel), as a worker or a `.delay()` would."""
    from kombu import Connection

    timeout = _timeout()
    options = {
        **getattr(settings, "CELERY_BROKER_TRANSPORT_OPTIONS", {}),
        "socket_timeout": timeout,
        "socket_connect_timeout": timeout,
        "max_retries": 0,
    }
    with Connection(
        settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=options
    ) as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
        conn.default_channel  # noqa: B018  (opening it is the check)


def run_checks(checks: dict[str, Callable[[], None]]) -> tuple[dict[str, str], list[str]]:
    """Every check at once, each bounded by the deadline. Returns ({name: "ok" | "down: ..."},
    [names that are down])."""
    results: dict[str, str] = {}
    pool = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="healthz")
    try:
        futures = {name: pool.submit(check) for name, check in checks.items()}
        wait(futures.values(), timeout=_timeout() + 0.5)
        for name, future in futures.items():
            if not future.done():
                results[name] = "down: timeout"
                logger.warning("health check %s: no answer within %ss", name, _timeout())
            elif (exc := future.exception()) is not None:
                results[name] = f"down: {exc.__class__.__name__}"
                logger.warning("health check %s failed: %r", name, exc)
            else:
                results[name] = "ok"
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    return results, [name for name, result in results.items() if result != "ok"]


def health_response(
    checks: dict[str, Callable[[], None]], extra: Callable[[dict], dict] | None = None
) -> JsonResponse:
    """200 when every check passes, 503 naming the ones that don't; `extra(results)` adds
    reports that never change the status."""
    results, down = run_checks(checks)
    body = {"status": "down" if down else "ok", "checks": results}
    if extra:
        body.update(extra(results))
    return JsonResponse(body, status=503 if down else 200)


def _heartbeat_key(name: str) -> str:
    from luffy.common.redis import redis_key

    return redis_key("heartbeat", name)


def heartbeat_record(name: str, *, now: datetime | None = None) -> None:
    """Note that `name` ran now. Never fails the caller: a heartbeat is a report, not a duty."""
    from luffy.common.redis import redis_client

    stamp = (now or timezone.now()).timestamp()
    try:
        redis_client().set(_heartbeat_key(name), f"{stamp:.3f}", ex=7 * 24 * 3600)
    except Exception as exc:  # Redis down: the work itself went on
        logger.warning("heartbeat %s not recorded: %r", name, exc)


def heartbeats_read(*, now: datetime | None = None) -> dict[str, dict | None]:
    """{name: {"at": local time with offset, "seconds_ago": n} or None (never, or unknown)}.
    Call it only when the Redis check passed (it has no deadline of its own)."""
    from luffy.common.redis import redis_client

    now = now or timezone.now()
    try:
        values = redis_client().mget([_heartbeat_key(name) for name in HEARTBEATS])
    except Exception:  # Redis down: the redis check already says so
        values = [None] * len(HEARTBEATS)
    report: dict[str, dict | None] = {}
    for name, value in zip(HEARTBEATS, values, strict=True):
        if value is None:
            report[name] = None
            continue
        at = datetime.fromtimestamp(float(value), tz=timezone.get_current_timezone())
        report[name] = {
            "at": at.isoformat(timespec="seconds"),
            "seconds_ago": max(int(now.timestamp() - float(value)), 0),
        }
    return report
