"""Whether an account may still use its tokens, cached in Redis for the token-only endpoints.

The cart, the pay URL, course access and lessons authenticate from the token alone (no user
query per request). They still refuse a deactivated or deleted account, and a token issued
before the password was changed or reset, at once: each request reads one small Redis key per
user ("0" inactive or gone, "1:<stamp>" active, where the stamp is simplejwt's hash of the
password hash that every token carries, SIMPLE_JWT["REVOKE_TOKEN_CLAIM"]). A miss reads the
user row once and fills the key (SET NX, so it never overwrites a newer value written below).

The key is written from the model signals, because every way an account is deactivated,
deleted or given a new password through the ORM instance goes through them (the admin's change
form, password form and bulk delete, services, the shell, createsuperuser, changepassword):
cleared at once, then set to the committed value after commit, so a reader racing the
transaction cannot cache the old state for long. Writes that bypass the signals
(QuerySet.update, raw SQL) are caught when the key expires: USER_ACTIVE_CACHE_TTL seconds at
most."""

from __future__ import annotations

import contextlib
import logging

import redis
from django.conf import settings
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from rest_framework_simplejwt.utils import get_md5_hash_password

from luffy.common.redis import redis_client, redis_key

logger = logging.getLogger(__name__)

_INACTIVE = b"0"


def _key(user_id) -> str:
    # Not ("user", "active"): that key held "1"/"0"; a new name lets old and new processes run
    # side by side during a deploy, each reading the values it understands.
    return redis_key("user", "auth", user_id)


def password_stamp(password_hash: str) -> str:
    """The claim a token of an account with this password hash carries (what simplejwt's
    RefreshToken.for_user writes when SIMPLE_JWT["CHECK_REVOKE_TOKEN"] is on)."""
    return get_md5_hash_password(password_hash)


def _value(stamp: str | None) -> bytes:
    return _INACTIVE if stamp is None else b"1:" + stamp.encode()


def user_token_stamp(*, user_id) -> str | None:
    """The password stamp the account's tokens must carry, or None if the account is inactive
    or gone: one Redis GET, a query only on a miss (or when Redis is down: the database is the
    truth, and course access does not need Redis)."""
    client = redis_client()
    key = _key(user_id)
    try:
        cached = client.get(key)
    except redis.RedisError:
        return _from_database(user_id)
    if cached is not None:
        return None if cached == _INACTIVE else cached.decode()[2:]
    stamp = _from_database(user_id)
    with contextlib.suppress(redis.RedisError):
        client.set(key, _value(stamp), ex=settings.USER_ACTIVE_CACHE_TTL, nx=True)
    return stamp


def user_is_active(*, user_id) -> bool:
    """True if the account exists and is active (see user_token_stamp)."""
    return user_token_stamp(user_id=user_id) is not None


def _from_database(user_id) -> str | None:
    from luffy.users.models import User

    password = (
        User.objects.filter(id=user_id, is_active=True).values_list("password", flat=True).first()
    )
    return None if password is None else password_stamp(password)


def user_active_cache_set(*, user_id, active: bool, password_hash: str | None = None) -> None:
    """Record the account's state now (after its transaction committed). An active account
    needs its password hash; without one the key is only cleared (the next read fills it)."""
    client = redis_client()
    if active and password_hash is None:
        client.delete(_key(user_id))
        return
    stamp = password_stamp(password_hash) if active else None
    client.set(_key(user_id), _value(stamp), ex=settings.USER_ACTIVE_CACHE_TTL)


def _changed(user_id, active: bool, password_hash: str | None) -> None:
    try:
        redis_client().delete(_key(user_id))  # at once for this and every other process
    except redis.RedisError as exc:  # readers fall back to the database while Redis is down
        logger.warning("user %s: auth state not cleared in Redis: %s", user_id, exc)
    transaction.on_commit(lambda: _set_quietly(user_id, active, password_hash))


def _set_quietly(user_id, active: bool, password_hash: str | None) -> None:
    try:
        user_active_cache_set(user_id=user_id, active=active, password_hash=password_hash)
    except redis.RedisError as exc:
        logger.warning("user %s: auth state not stored in Redis: %s", user_id, exc)


def _saved(sender, instance, **kwargs) -> None:
    deferred = instance.get_deferred_fields()
    if deferred & {"is_active", "password"}:
        # A partly loaded user (e.g. .only("id", "credit")): reading the fields would cost a
        # query per save; clearing the key lets the next request read the committed row.
        _changed(instance.pk, True, None)
        return
    _changed(instance.pk, bool(instance.is_active), instance.password)


def _deleted(sender, instance, **kwargs) -> None:
    _changed(instance.pk, False, None)


def connect_invalidation() -> None:
    from luffy.users.models import User

    post_save.connect(_saved, sender=User, dispatch_uid="users-active-save")
    post_delete.connect(_deleted, sender=User, dispatch_uid="users-active-delete")
