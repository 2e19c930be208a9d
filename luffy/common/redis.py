"""Direct Redis access for data that is not a cache entry (codes, counters, carts)."""

from __future__ import annotations

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


def celery_broker_url(redis_url: str) -> str:
    """Kombu spells a unix-socket Redis `redis+socket:///path?virtual_host=<db>`."""
    if not redis_url.startswith("unix://"):
        return redis_url
    path, _, query = redis_url.removeprefix("unix://").partition("?")
    db = dict(part.split("=", 1) for part in query.split("&") if "=" in part).get("db", "0")
    return f"redis+socket://{path}?virtual_host={db}"
