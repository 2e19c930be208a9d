"""The cart's Redis layout. Every write is one atomic Redis operation (a Lua script or a
MULTI pipeline), so a line is never half added.

    <prefix>:cart:<user_id>           hash   course_id -> "<expire_id>:<added, ms since epoch>"
    <prefix>:cart:selected:<user_id>  set    course_ids of the selected lines
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass

import redis
from django.conf import settings

from luffy.common.errors import ServiceUnavailable
from luffy.common.redis import redis_client, redis_key

logger = logging.getLogger(__name__)

_ADD = """
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0
   and redis.call('HLEN', KEYS[1]) >= tonumber(ARGV[3]) then
  return -1
end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('SADD', KEYS[2], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return redis.call('HLEN', KEYS[1])
"""

# ARGV: course_id, new expire_id or "", "1" select / "0" unselect / "" leave, ttl
_UPDATE = """
local old = redis.call('HGET', KEYS[1], ARGV[1])
if not old then return 0 end
if ARGV[2] ~= '' then
  local added = string.match(old, ':(%d+)$') or '0'
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ':' .. added)
end
if ARGV[3] == '1' then redis.call('SADD', KEYS[2], ARGV[1])
elseif ARGV[3] == '0' then redis.call('SREM', KEYS[2], ARGV[1]) end
redis.call('EXPIRE', KEYS[1], ARGV[4])
redis.call('EXPIRE', KEYS[2], ARGV[4])
return 1
"""


class CartUnavailable(ServiceUnavailable):
    default_code = "cart_unavailable"
    default_message = "cart temporarily unavailable"


def _redis_down_is_503(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        try:
            return method(*args, **kwargs)
        except (redis.ConnectionError, redis.TimeoutError) as exc:
            logger.warning("cart: Redis unavailable: %s", exc)
            raise CartUnavailable() from exc

    return wrapper


@dataclass(frozen=True)
class StoredLine:
    course_id: int
    expire_id: int
    added_ms: int
    selected: bool


class CartStore:
    def __init__(self, user_id: int) -> None:
        self.client = redis_client()
        self.lines_key = redis_key("cart", user_id)
        self.selected_key = redis_key("cart", "selected", user_id)
        self.ttl = settings.CART_TTL_DAYS * 24 * 3600

    def _script(self, source: str, *args):
        return self.client.register_script(source)(
            keys=[self.lines_key, self.selected_key], args=[*args, self.ttl]
        )

    @_redis_down_is_503
    def lines(self) -> list[StoredLine]:
        """All lines, newest first, in one round trip; unreadable entries are dropped."""
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hgetall(self.lines_key)
            pipe.smembers(self.selected_key)
            raw_lines, raw_selected = pipe.execute()
        selected = {member.decode() for member in raw_selected}
        lines, broken = [], []
        for raw_course, raw_value in raw_lines.items():
            try:
                course_id = int(raw_course)
                expire, _, added = raw_value.decode().partition(":")
                lines.append(
                    StoredLine(course_id, int(expire), int(added or 0), str(course_id) in selected)
                )
            except (ValueError, UnicodeDecodeError):
                broken.append(raw_course)
        if broken:
            logger.warning("cart %s: dropping unreadable lines %r", self.lines_key, broken)
            self.remove(*broken)
        return sorted(lines, key=lambda line: (-line.added_ms, -line.course_id))

    @_redis_down_is_503
    def count(self) -> int:
        return self.client.hlen(self.lines_key)

    @_redis_down_is_503
    def add(self, *, course_id: int, expire_id: int, max_lines: int) -> int | None:
        """Add or replace a line, selected. The new line count, or None when the cart is full."""
        value = f"{expire_id}:{int(time.time() * 1000)}"
        result = self._script(_ADD, course_id, value, max_lines)
        return None if result < 0 else result

    @_redis_down_is_503
    def update(self, *, course_id: int, expire_id: int | None, selected: bool | None) -> bool:
        """Change a line's option and/or selection; False when the line is not in the cart."""
        option = "" if expire_id is None else str(expire_id)
        flag = "" if selected is None else ("1" if selected else "0")
        return bool(self._script(_UPDATE, course_id, option, flag))

    @_redis_down_is_503
    def select_only(self, course_ids: list[int]) -> None:
        with self.client.pipeline(transaction=True) as pipe:
            pipe.delete(self.selected_key)
            if course_ids:
                pipe.sadd(self.selected_key, *course_ids)
                pipe.expire(self.selected_key, self.ttl)
            pipe.execute()

    @_redis_down_is_503
    def remove(self, *course_ids) -> int:
        """Remove lines; the number that were there."""
        if not course_ids:
            return 0
        with self.client.pipeline(transaction=True) as pipe:
            pipe.hdel(self.lines_key, *course_ids)
            pipe.srem(self.selected_key, *course_ids)
            removed, _ = pipe.execute()
        return removed
