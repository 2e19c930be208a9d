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
