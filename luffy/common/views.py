"""Project-wide endpoints: health check and JSON error pages for /api/."""

from __future__ import annotations

import logging

from django.db import connection
from django.http import JsonResponse
from django.views import defaults
from django_redis import get_redis_connection

from luffy.common.middleware import is_api, json_error

logger = logging.getLogger(__name__)


def _check_database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()


def _check_redis() -> None:
    get_redis_connection("default").ping()


HEALTH_CHECKS = {"database": _check_database, "redis": _check_redis}


def healthz(request):
    """200 when every dependency answers, 503 naming the ones that don't."""
    checks, down = {}, []
    for name, check in HEALTH_CHECKS.items():
        try:
            check()
            checks[name] = "ok"
        except Exception as exc:  # any failure means "down", reported, never a 500
            logger.warning("health check %s failed: %s", name, exc)
            checks[name] = f"down: {exc.__class__.__name__}"
            down.append(name)
    status = 503 if down else 200
    return JsonResponse({"status": "down" if down else "ok", "checks": checks}, status=status)


def bad_request(request, exception=None):
    if is_api(request):
        return json_error(400)
    return defaults.bad_request(request, exception)


def not_found(request, exception=None):
    if is_api(request):
        return json_error(404)
    return defaults.page_not_found(request, exception)


def server_error(request):
    if is_api(request):
        return json_error(500)
    return defaults.server_error(request)
