"""Direct Redis access for data that is not a cache entry (codes, counters, carts)."""

from __future__ import annotations

from django.conf import settings
from django_redis import get_redis_connection


def redis_client():
    return get_redis_connection("default")


def redis_key(*parts: object) -> str:
    """Namespaced key, so several stores (or test runs) can share one Redis."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "luffy")
    return ":".join([prefix, *map(str, parts)])


def celery_broker_url(redis_url: str) -> str:
    """Kombu spells a unix-socket Redis `redis+socket:///path?virtual_host=<db>`."""
    if not redis_url.startswith("unix://"):
        return redis_url
    path, _, query = redis_url.removeprefix("unix://").partition("?")
    db = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("db", "0")
    return f"redis+socket://{path}?virtual_host={db}"
