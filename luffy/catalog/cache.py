"""Catalog read cache: entries keyed by a version that every catalog change bumps.

An entry may also carry `valid_until` (the next activity start or end): prices change then, so
the entry is not served after it, whatever its TTL."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

VERSION_KEY = "catalog:version"


def version() -> int:
    current = cache.get(VERSION_KEY)
    if current is None:
        # Start from the clock, so a lost version key never revives entries of an old version.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        current = cache.get(VERSION_KEY)
    return current


def bump() -> None:
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # no version yet: nothing can be cached under it
        version()


def cached(key: str, build: Callable[[], tuple[object, datetime | None]]):
    """The value cached under `key`, or build() -> (value, valid_until) and cache it."""
    full_key = versioned_key(key)
    now = timezone.now()
    entry = cache.get(full_key)
    if entry is not None and (entry[1] is None or now < entry[1]):
        return entry[0]
    value, valid_until = build()
    ttl = settings.CATALOG_CACHE_TTL
    if valid_until is not None:
        ttl = min(ttl, int((valid_until - now).total_seconds()))
    if ttl > 0:
        cache.set(full_key, (value, valid_until), timeout=ttl)
    return value


def catalog_changed() -> None:
    """Call after a bulk write (update() sends no signal): cached catalog reads are stale."""
    _changed()


def _changed(**kwargs) -> None:
    # Now for this process, and again after commit: a reader racing the transaction could
    # otherwise cache the old rows under the new version.
    bump()
    transaction.on_commit(bump)


def connect_invalidation() -> None:
    for model in apps.get_app_config("catalog").get_models():
        post_save.connect(_changed, sender=model, dispatch_uid=f"catalog-save-{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"catalog-del-{model.__name__}")


def versioned_key(key: str) -> str:
    return f"catalog:{version()}:{key}"


def get_many(keys) -> dict:
    return cache.get_many(list(keys))


def set_many(entries: dict) -> None:
    """Entries that stay valid until the catalog changes (bounded by CATALOG_CACHE_TTL)."""
    if entries:
        cache.set_many(entries, timeout=settings.CATALOG_CACHE_TTL)
