"""Whether an account may still use its tokens, cached in Redis for the token-only endpoints.

The cart, the pay URL, course access and lessons authenticate from the token alone (no user
query per request). They still refuse a deactivated or deleted account at once: each request
reads one small Redis key per user ("1" active, "0" not). A miss reads the user row once and
fills the key (SET NX, so it never overwrites a newer value written below).

The key is written from the model signals, because every way an account is deactivated or
deleted through the ORM instance goes through them (the admin's change form and bulk delete,
services, the shell, createsuperuser): cleared at once, then set to the committed value after
commit, so a reader racing the transaction cannot cache the old state for long. Writes that
bypass the signals (QuerySet.update, raw SQL) are caught when the key expires:
USER_ACTIVE_CACHE_TTL seconds at most."""

from __future__ import annotations

import contextlib
import logging

import redis
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from luffy.common.redis import redis_client, redis_key

logger = logging.getLogger(__name__)


def _key(user_id) -> str:
    return redis_key("user", "active", user_id)


def user_is_active(*, user_id) -> bool:
    """True if the account exists and is active: one Redis GET, a query only on a miss (or
    when Redis is down: the database is the truth, and course access does not need Redis)."""
    client = redis_client()
    key = _key(user_id)
    try:
        cached = client.get(key)
    except redis.RedisError:
        return _from_database(user_id)
    if cached is not None:
        return cached == b"1"
    active = _from_database(user_id)
    with contextlib.suppress(redis.RedisError):
        client.set(key, b"1" if active else b"0", ex=settings.USER_ACTIVE_CACHE_TTL, nx=True)
    return active


def _from_database(user_id) -> bool:
    from luffy.users.models import User

    return User.objects.filter(id=user_id, is_active=True).exists()


def user_active_cache_set(*, user_id, active: bool) -> None:
    """Record the account's state now (after its transaction committed)."""
    client = redis_client()
    client.set(_key(user_id), b"1" if active else b"0", ex=settings.USER_ACTIVE_CACHE_TTL)


def _changed(user_id, active: bool) -> None:
    try:
        redis_client().delete(_key(user_id))  # at once for this and every other process
    except redis.RedisError as exc:  # readers fall back to the database while Redis is down
        logger.warning("user %s: active flag not cleared in Redis: %s", user_id, exc)
    transaction.on_commit(lambda: _set_quietly(user_id, active))


def _set_quietly(user_id, active: bool) -> None:
    try:
        user_active_cache_set(user_id=user_id, active=active)
    except redis.RedisError as exc:
        logger.warning("user %s: active flag not stored in Redis: %s", user_id, exc)


def _saved(sender, instance, **kwargs) -> None:
    _changed(instance.pk, bool(instance.is_active))


def _deleted(sender, instance, **kwargs) -> None:
    _changed(instance.pk, False)


def connect_invalidation() -> None:
    from luffy.users.models import User

    post_save.connect(_saved, sender=User, dispatch_uid="users-active-save")
    post_delete.connect(_deleted, sender=User, dispatch_uid="users-active-delete")
