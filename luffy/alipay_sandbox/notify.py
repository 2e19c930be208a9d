"""Async notifies: queued with the state change they report, delivered by
`deliver_due_notifies` on Alipay's retry schedule until the merchant answers exactly `success`.

Delivery never runs in a request: a loop thread in the sandbox server process calls it (the
Celery jobs issue will make it a periodic task). It is safe to run in several places at once:
each attempt is claimed with a conditional update, so no attempt is sent twice."""

from __future__ import annotations

import base64
import json
import logging
import os
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import close_old_connections, transaction
from django.db.models import Q
from django.utils import timezone

from . import faults, signing
from .models import Notify, NotifyAttempt, Refund, Trade

logger = logging.getLogger(__name__)
BEIJING = ZoneInfo("Asia/Shanghai")

# After delivery n fails, the next comes this much later: 8 deliveries within about 25 h.
RETRY_GAPS = [
    timedelta(minutes=4),
    timedelta(minutes=10),
    timedelta(minutes=10),
    timedelta(hours=1),
    timedelta(hours=2),
    timedelta(hours=6),
    timedelta(hours=15),
]
MAX_ATTEMPTS = len(RETRY_GAPS) + 1
SEND_TIMEOUT = 10  # seconds per POST
LEASE = timedelta(seconds=SEND_TIMEOUT * 3)  # a claimed attempt whose runner died comes back
BUYER_LOGON_ID = "buy***@sandbox.com"
SELLER_EMAIL = "seller@sandbox.example"
AMOUNT_FIELDS = ("total_amount", "receipt_amount", "invoice_amount", "buyer_pay_amount")


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def beijing(value: datetime | None) -> str:
    """Alipay's time format, Beijing time."""
    return value.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M:%S") if value else ""


def enqueue(trade: Trade, *, refund: Refund | None = None) -> Notify | None:
    """Queue a trade_status_sync notify for the trade's current state (call in its transaction)."""
    if not trade.notify_url:
        return None
    total = _money(trade.total_amount)
    params = {
        "notify_type": "trade_status_sync",
        "notify_id": uuid.uuid4().hex,
        "app_id": trade.app_id,
        "auth_app_id": trade.app_id,
        "charset": "utf-8",
        "version": "1.0",
        "trade_no": trade.trade_no,
        "out_trade_no": trade.out_trade_no,
        "buyer_id": trade.buyer_id,
        "buyer_logon_id": BUYER_LOGON_ID,
        "seller_id": settings.ALIPAY_SELLER_ID,
        "seller_email": SELLER_EMAIL,
        "trade_status": trade.status,
        "total_amount": total,
        "receipt_amount": total,
        "invoice_amount": total,
        "buyer_pay_amount": total,
        "point_amount": "0.00",
        "subject": trade.subject,
        "body": trade.body,
        "gmt_create": beijing(trade.gmt_create),
        "gmt_payment": beijing(trade.gmt_payment),
        "gmt_close": beijing(trade.gmt_close),
        "fund_bill_list": json.dumps(
            [{"amount": total, "fundChannel": "ALIPAYACCOUNT"}], separators=(",", ":")
        ),
        "passback_params": trade.passback_params,
    }
    if refund is not None:
        params.update(
            out_biz_no=refund.out_request_no,
            refund_fee=_money(trade.refund_fee),
            gmt_refund=beijing(refund.gmt_refund),
        )
    held = faults.consume("reorder_notify")
    if settings.ALIPAY_SANDBOX_NOTIFY_RUNNER == "celery" and not held:
        from luffy.alipay_sandbox.tasks import deliver_notifies

        # The first attempt goes out now, not at the next beat tick.
        transaction.on_commit(deliver_notifies.delay)
    return Notify.objects.create(
        trade=trade,
        notify_id=params["notify_id"],
        url=trade.notify_url,
        params={k: v for k, v in params.items() if v},
        held=held,
        next_due_at=None if held else timezone.now(),
    )


def _post(url: str, params: dict) -> tuple[int | None, str, str]:
    request = urllib.request.Request(  # noqa: S310 - the merchant's own notify_url
        url,
        data=urllib.parse.urlencode(params).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
    )
    try:
        with urllib.request.urlopen(request, timeout=SEND_TIMEOUT) as response:  # noqa: S310
            return response.status, response.read(2000).decode(errors="replace"), ""
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read(2000).decode(errors="replace"), ""
    except OSError as exc:
        return None, "", f"{exc.__class__.__name__}: {exc}"[:256]


def _send(notify: Notify, number: int) -> bool:
    """One delivery (with any fault applied); True when the merchant answered `success`."""
    params = {**notify.params, "notify_time": beijing(timezone.now())}
    note = ""
    if faults.consume("wrong_amount_notify"):
        for field in AMOUNT_FIELDS:
            if field in params:
                params[field] = _money(Decimal(params[field]) + 1)
        note = "fault: wrong amount"
    params = signing.signed_callback(params)
    if faults.consume("bad_signature_notify"):
        params["sign"] = base64.b64encode(secrets.token_bytes(256)).decode()
        note = "fault: bad signature"
    if faults.consume("drop_notify"):
        NotifyAttempt.objects.create(
            notify=notify, number=number, sent_at=timezone.now(), params=params,
            error="fault: dropped",
        )  # fmt: skip
        return False
    copies = 2 if faults.consume("duplicate_notify") else 1
    delivered = False
    for copy in range(copies):
        sent_at = timezone.now()
        status, body, error = _post(notify.url, params)
        NotifyAttempt.objects.create(
            notify=notify,
            number=number,
            sent_at=sent_at,
            params=params,
            http_status=status,
            response_body=body,
            error=error or note or ("fault: duplicate" if copy else ""),
        )
        delivered = delivered or (status == 200 and body == "success")
        logger.info(
            "sandbox.notify_sent order=%s trade_no=%s attempt=%s status=%s answer=%r%s",
            params.get("out_trade_no"), params.get("trade_no"), number, status, body[:40],
            f" error={error}" if error else "",
        )  # fmt: skip
    return delivered


def deliver_due_notifies(now: datetime | None = None) -> int:
    """Send every notify attempt due at `now`; returns how many were sent. Idempotent."""
    now = now or timezone.now()
    scale = settings.ALIPAY_SANDBOX_NOTIFY_TIME_SCALE
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
    threading.Thread(target=_loop, name="alipay-sandbox-notify", daemon=True).start()


def _loop() -> None:
    while True:
        try:
            deliver_due_notifies()
        except Exception:  # keep delivering after a bad moment (e.g. a locked database)
            logger.exception("notify delivery failed")
        finally:
            close_old_connections()
        time.sleep(settings.ALIPAY_SANDBOX_NOTIFY_POLL_SECONDS)
