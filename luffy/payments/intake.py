"""What the store keeps of a gateway message before judging it, and how much unsigned junk
one client may send.

Alipay's messages are a few KB: a notify is ~30 fields of at most a few hundred characters.
Anything far beyond that is junk (or an attack on the disk), so a stored message keeps at most
PAYMENT_MESSAGE_FIELD_MAX characters per field and PAYMENT_MESSAGE_MAX_BYTES in all, and says
what it dropped under TRUNCATED_KEY. The signature is checked on the full message before this.

Notifies whose signature does not verify are counted per client IP; past
NOTIFY_BAD_SIGNATURE_LIMIT within NOTIFY_BAD_SIGNATURE_WINDOW seconds they are answered 429 and
not stored. A correctly signed notify is never counted nor refused, so the gateway's retries
always get through."""

from __future__ import annotations

import json
import logging

import redis
from django.conf import settings
from django.utils.translation import gettext as _

from luffy.common.errors import RateLimited
from luffy.common.redis import redis_client, redis_key

logger = logging.getLogger(__name__)

TRUNCATED_KEY = "_luffy_truncated"


def _size(value) -> int:
    return len(json.dumps(value, ensure_ascii=False, default=str).encode())


def capped_message(data: dict) -> dict:
    """`data` cut to the storage limits, with a note of what was cut (NUL characters, which
    PostgreSQL cannot store in JSON, are removed too)."""
    field_max = settings.PAYMENT_MESSAGE_FIELD_MAX
    budget = settings.PAYMENT_MESSAGE_MAX_BYTES
    kept: dict = {}
    cut: list[str] = []
    dropped = 0
    used = 2  # {}
    for key, value in data.items():
        key = str(key).replace("\x00", "")
        if len(key) > 64:
            key, value = key[:64], value
            cut.append(key)
        if isinstance(value, str):
            clean = value.replace("\x00", "")
            if len(clean) > field_max:
                clean = clean[:field_max]
                cut.append(key)
            value = clean
        elif _size(value) > field_max:  # a nested answer field that is far too big
            value = None
            cut.append(key)
        size = _size({key: value})
        if used + size > budget:
            dropped += 1
            continue
        kept[key] = value
        used += size
    if cut or dropped:
        kept[TRUNCATED_KEY] = {
            "fields_cut": cut[:20],
            "fields_dropped": dropped,
            "original_bytes": _size(data),
        }
    return kept


def notify_junk_check(*, client_ip: str) -> None:
    """Count a notify that failed its signature check; RateLimited once the client is over the
    limit. Redis unavailable: not limited (the stored message is capped anyway)."""
    limit = settings.NOTIFY_BAD_SIGNATURE_LIMIT
    window = settings.NOTIFY_BAD_SIGNATURE_WINDOW
    if not client_ip or limit <= 0:
        return
    key = redis_key("notify", "bad-signature", client_ip)
    try:
        pipe = redis_client().pipeline()
        pipe.set(key, 0, ex=window, nx=True)  # the window starts with the first bad one
        pipe.incr(key)
        pipe.ttl(key)
        _started, count, ttl = pipe.execute()
    except redis.RedisError as exc:
        logger.warning("notify junk counter unavailable: %r", exc)
        return
    if count > limit:
        if count == limit + 1:
            logger.warning("notify: %s sent %s unsigned notifies; throttled", client_ip, limit)
        raise RateLimited(
            _("Too many notifications with an invalid signature; try again later."),
            code="notify_throttled",
            retry_after=ttl if ttl and ttl > 0 else window,
        )
