"""Async notifies: queued with the state change they report, delivered by
`runner.deliver_due` on Alipay's retry schedule until the merchant answers exactly `success`:
form-encoded, signed like every Alipay callback.

Claiming, retrying and the delivery loop are the shared runner's (luffy.common.sandbox.notify);
here is what Alipay sends and what it counts as an answer."""

from __future__ import annotations

import base64
import json
import secrets
import urllib.parse
import uuid
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

from luffy.common.sandbox.notify import Delivery, NotifyRunner

from . import faults, signing
from .models import Notify, Refund, Trade

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
    return runner.queue(
        trade=trade,
        notify_id=params["notify_id"],
        url=trade.notify_url,
        params={k: v for k, v in params.items() if v},
    )


class AlipayNotifies(NotifyRunner):
    model = Notify
    fault_switches = faults.switches
    retry_gaps = RETRY_GAPS
    send_timeout = 10
    log_event = "sandbox.notify_sent"

    def prepare(self, notify: Notify) -> Delivery:
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
        return Delivery(
            data=urllib.parse.urlencode(params).encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8"},
            stored={"params": params},
            note=note,
        )

    def accepted(self, status: int | None, answer: str) -> bool:
        return status == 200 and answer == "success"  # exactly: "SUCCESS" or "success " is not

    def describe(self, notify: Notify) -> str:
        return f"order={notify.params.get('out_trade_no')} trade_no={notify.params.get('trade_no')}"


runner = AlipayNotifies()
