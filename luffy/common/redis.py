"""Direct Redis access for data that is not a cache entry (codes, counters, carts)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django_redis import get_redis_connection
from redis.exceptions import LockError, RedisError

logger = logging.getLogger(__name__)


def redis_client():
    return get_redis_connection("default")


def redis_key(*parts: object) -> str:
    """Namespaced key, so several stores (or test runs) can share one Redis."""
    prefix = settings.CACHES["default"].get("KEY_PREFIX", "luffy")
    return ":".join([prefix, *map(str, parts)])


@contextmanager
def single_run(name: str, *, seconds: int) -> Iterator[bool]:
    """One copy at a time of a periodic job, across every worker and beat: yields True to the
    copy that got the Redis lock `name`, False at once to any other (which should return).
    The lock expires after `seconds`, so a worker that died holding it does not stop the job
    for longer. Redis unreachable: yields True and logs it (the jobs are safe to run twice;
    the lock saves doubled work and gateway calls, it is not what makes them correct)."""
    lock = redis_client().lock(redis_key("job-lock", name), timeout=seconds)
    try:
        acquired = lock.acquire(blocking=False)
    except RedisError as exc:
        logger.warning("job %s: Redis unreachable (%s), running without its lock", name, exc)
        acquired = None
    if acquired is False:
        logger.info("job %s: another copy is running; this one returns", name)
        yield False
        return
    try:
        yield True
    finally:
        if acquired:
            try:
                lock.release()
            except (LockError, RedisError) as exc:  # expired meanwhile, or Redis went away
                logger.warning("job %s: could not release its lock: %s", name, exc)


# Deletes each key only while it still holds this claimant's token: a claim that expired and
# was taken by another claimant meanwhile is not released by the first.
_RELEASE_MINE = """
local released = 0
for _, key in ipairs(KEYS) do
  if redis.call('get', key) == ARGV[1] then released = released + redis.call('del', key) end
end
return released
"""


def claims_take(name: str, ids: list[int], *, seconds: int, token: str) -> set[int]:
    """Claim each of `ids` under `name` for `seconds` (one round trip: SET NX EX each): the ids
    this caller now holds; the others are held by another caller. Expiry frees the claims of a
    worker that died. Redis unreachable: every id (logged; the claim saves doubled work, what
    it guards is correct without it)."""
    if not ids:
        return set()
    try:
        pipe = redis_client().pipeline(transaction=False)
        for one in ids:
            pipe.set(redis_key("claim", name, one), token, nx=True, ex=seconds)
        return {one for one, taken in zip(ids, pipe.execute(), strict=True) if taken}
    except RedisError as exc:
        logger.warning("claims %s: Redis unreachable (%s), going on without them", name, exc)
        return set(ids)


def claims_release(name: str, ids, *, token: str) -> None:
    """Give back the claims of `ids` this caller (`token`) still holds."""
    keys = [redis_key("claim", name, one) for one in ids]
    if not keys:
        return
    try:
        redis_client().eval(_RELEASE_MINE, len(keys), *keys, token)
    except RedisError as exc:  # they expire on their own
        logger.warning("claims %s: could not release (%s)", name, exc)


def cursor_load(name: str) -> dict | None:
    """Where a job that runs in slices stopped last time (None: start from the beginning)."""
    try:
        raw = redis_client().get(redis_key("job-cursor", name))
    except RedisError as exc:
        logger.warning("job %s: Redis unreachable (%s), starting from the beginning", name, exc)
        return None
    return json.loads(raw) if raw else None


def cursor_save(name: str, cursor: dict | None, *, seconds: int) -> None:
    """Remember where the job stopped (None: it finished; the next run starts over). Kept for
    `seconds`: a cursor nobody resumes from lapses, and losing one only repeats work."""
    key = redis_key("job-cursor", name)
    try:
        if cursor is None:
            redis_client().delete(key)
        else:
            redis_client().set(key, json.dumps(cursor), ex=seconds)
    except RedisError as exc:
        logger.warning("job %s: could not save its cursor (%s)", name, exc)


def celery_broker_url(redis_url: str) -> str:
    """Kombu spells a unix-socket Redis `redis+socket:///path?virtual_host=<db>`."""
    if not redis_url.startswith("unix://"):
        return redis_url
    path, _, query = redis_url.removeprefix("unix://").partition("?")
    db = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("db", "0")
    return f"redis+socket://{path}?virtual_host={db}"
