"""Project-wide endpoints: health check and JSON error pages for /api/."""

from __future__ import annotations

import logging

from django.views import defaults

from luffy.common import health
from luffy.common.middleware import is_api, json_error

logger = logging.getLogger(__name__)

# What a request may need: the database, Redis (cart, codes, throttles) and the Celery broker
# (SMS codes, refunds and cart clean-up are queued).
HEALTH_CHECKS = {
    "database": health.check_database,
    "redis": health.check_redis,
    "broker": health.check_broker,
}


def healthz(request):
    """200 when every dependency answers, 503 naming the ones that don't; plus when the sweep,
    reconciliation and a worker last ran (reported, never a reason for 503)."""
    return health.health_response(HEALTH_CHECKS, _heartbeats)


def _heartbeats(results: dict) -> dict:
    if results.get("redis") != "ok":  # unknown, and asking a hung Redis would hang here
        return {"heartbeats": dict.fromkeys(health.HEARTBEATS)}
    return {"heartbeats": health.heartbeats_read()}


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
