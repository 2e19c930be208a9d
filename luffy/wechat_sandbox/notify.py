"""Notifies: queued with the state change they report (payment, refund), delivered by
`deliver_due_notifies` on WeChat Pay's retry schedule until the merchant answers 200 or 204.

Each delivery is a JSON body whose `resource` is encrypted afresh with the APIv3 key
(AEAD_AES_256_GCM), signed with the platform key in the Wechatpay-* headers. Delivery never runs
in a request: a loop thread in the sandbox server process (or its Celery worker) calls it. It is
safe to run in several places at once: each attempt is claimed with a conditional update, so no
attempt is sent twice."""

from __future__ import annotations

import copy
import json
import logging
import os
import threading
import time
import urllib.error
import urllib.request
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from . import faults, signing
from .models import Notify, NotifyAttempt, Refund, Trade
from .schedule import MAX_ATTEMPTS, RETRY_GAPS

logger = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")

SEND_TIMEOUT = 5  # seconds: live WeChat counts a slower answer as a failure
LEASE = timedelta(seconds=SEND_TIMEOUT * 3)  # a claimed attempt whose runner died comes back
LATE = timedelta(hours=1)
SUMMARIES = {
    "TRANSACTION.SUCCESS": "支付成功",
    "REFUND.SUCCESS": "退款成功",
    "REFUND.ABNORMAL": "退款异常",
    "REFUND.CLOSED": "退款关闭",
}


def _enqueue(trade: Trade, *, event_type: str, url: str, resource: dict) -> Notify | None:
    """Queue a notify (call in the transaction of the change it reports)."""
    if not url:
        return None
    held = faults.consume("reorder_notify")
    late = faults.consume("late_notify")
    due = timezone.now() + LATE * settings.WECHAT_SANDBOX_NOTIFY_TIME_SCALE if late else None
    if settings.WECHAT_SANDBOX_NOTIFY_RUNNER == "celery" and not (held or late):
        from luffy.wechat_sandbox.tasks import deliver_notifies

        # The first attempt goes out now, not at the next beat tick.
        transaction.on_commit(deliver_notifies.delay)
    return Notify.objects.create(
        trade=trade,
        notify_id=str(uuid.uuid4()),
        event_type=event_type,
        url=url,
        resource=resource,
        held=held,
        next_due_at=None if held else (due or timezone.now()),
    )


def enqueue_transaction(trade: Trade, resource: dict) -> Notify | None:
    return _enqueue(trade, event_type="TRANSACTION.SUCCESS", url=trade.notify_url,
                    resource=resource)  # fmt: skip


def enqueue_refund(refund: Refund, resource: dict) -> Notify | None:
    return _enqueue(refund.trade, event_type=f"REFUND.{refund.status}", url=refund.notify_url,
                    resource=resource)  # fmt: skip


def notify_body(notify: Notify, resource: dict) -> str:
    original_type = "refund" if notify.event_type.startswith("REFUND.") else "transaction"
    body = {
        "id": notify.notify_id,
        "create_time": notify.created.astimezone(BEIJING).isoformat(timespec="seconds"),
        "resource_type": "encrypt-resource",
        "event_type": notify.event_type,
        "summary": SUMMARIES.get(notify.event_type, ""),
        "resource": signing.encrypt_resource(resource, original_type=original_type),
    }
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _post(url: str, body: str, headers: dict) -> tuple[int | None, str, str]:
    request = urllib.request.Request(  # noqa: S310 - the merchant's own notify_url
        url,
        data=body.encode(),
        headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:  # noqa: S310
            return response.status, response.read(2000).decode(errors="replace"), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2000).decode(errors="replace"), ""
    except OSError as exc:
        return None, "", f"{exc.__class__.__name__}: {exc}"[:256]


def _send(notify: Notify, number: int) -> bool:
    """One delivery (with any fault applied); True when the merchant answered 200 or 204."""
    resource = copy.deepcopy(notify.resource)
    note = ""
    if faults.consume("wrong_amount_notify"):
        amount = resource.get("amount", {})
        for field in ("total", "payer_total", "refund", "payer_refund"):
            if field in amount:
                amount[field] += 100
        note = "fault: wrong amount"
    body = notify_body(notify, resource)
    forge = faults.consume("bad_signature_notify")
    headers = signing.signature_headers(body, forge=forge)
    note = "fault: bad signature" if forge else note
    if faults.consume("drop_notify"):
        NotifyAttempt.objects.create(
            notify=notify, number=number, sent_at=timezone.now(), body=body, headers=headers,
            error="fault: dropped",
        )  # fmt: skip
        return False
    copies = 2 if faults.consume("duplicate_notify") else 1
    delivered = False
    for copy_number in range(copies):
        sent_at = timezone.now()
        status, answer, error = _post(notify.url, body, headers)
        NotifyAttempt.objects.create(
            notify=notify,
            number=number,
            sent_at=sent_at,
            body=body,
            headers=headers,
            http_status=status,
            response_body=answer,
            error=error or note or ("fault: duplicate" if copy_number else ""),
        )
        delivered = delivered or status in (200, 204)
        logger.info(
            "sandbox.wechat_notify_sent order=%s event=%s attempt=%s status=%s answer=%r%s",
            notify.resource.get("out_trade_no"), notify.event_type, number, status, answer[:40],
            f" error={error}" if error else "",
        )  # fmt: skip
    return delivered


def deliver_due_notifies(now=None) -> int:
    """Send every notify attempt due at `now`; returns how many were sent. Idempotent."""
    now = now or timezone.now()
    scale = settings.WECHAT_SANDBOX_NOTIFY_TIME_SCALE
    due = Notify.objects.filter(next_due_at__lte=now, held=False).values_list("pk", "attempts_made")
    sent = 0
    for pk, made in list(due[:100]):
        number = made + 1
        claimed = Notify.objects.filter(pk=pk, attempts_made=made, next_due_at__lte=now).update(
            attempts_made=number, next_due_at=timezone.now() + LEASE
        )
        if not claimed:
            continue  # another runner has this attempt
        notify = Notify.objects.get(pk=pk)
        delivered = _send(notify, number)
        sent += 1
        if delivered or number >= MAX_ATTEMPTS:
            next_due = None
        else:
            next_due = timezone.now() + RETRY_GAPS[number - 1] * scale
        # Conditional: a reset (next_due_at cleared) during the send is not undone.
        Notify.objects.filter(pk=pk, attempts_made=number, next_due_at__isnull=False).update(
            next_due_at=next_due, delivered=delivered
        )
        # reorder_notify: what was held back for this trade goes after this one.
        Notify.objects.filter(trade_id=notify.trade_id, held=True).update(
            held=False, next_due_at=timezone.now()
        )
    return sent


def stop_pending() -> int:
    """Give up every pending delivery (sandbox reset)."""
    pending = Q(next_due_at__isnull=False) | Q(held=True)
    return Notify.objects.filter(pending).update(next_due_at=None, held=False)


_loop_lock = threading.Lock()
_loop_started_in: int | None = None


def start_delivery_loop() -> None:
    """A daemon thread in this (server) process that calls deliver_due_notifies."""
    global _loop_started_in
    with _loop_lock:
        if _loop_started_in == os.getpid():
            return
        _loop_started_in = os.getpid()
    threading.Thread(target=_loop, name="wechat-sandbox-notify", daemon=True).start()


def _loop() -> None:
    while True:
        try:
            deliver_due_notifies()
        except Exception:  # keep delivering after a bad moment (e.g. a locked database)
            logger.exception("notify delivery failed")
        finally:
            close_old_connections()
        time.sleep(settings.WECHAT_SANDBOX_NOTIFY_POLL_SECONDS)
