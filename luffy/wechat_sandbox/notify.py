"""Notifies: queued with the state change they report (payment, refund), delivered by
`runner.deliver_due` on WeChat Pay's retry schedule until the merchant answers 200 or 204.

Each delivery is a JSON body whose `resource` is encrypted afresh with the APIv3 key
(AEAD_AES_256_GCM), signed with the platform key in the Wechatpay-* headers. Claiming, retrying
and the delivery loop (a thread in the server process, or its Celery worker) are the shared
runner's (luffy.common.sandbox.notify); here is what WeChat sends and accepts."""

from __future__ import annotations

import copy
import json
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

from luffy.common.sandbox.notify import Delivery, NotifyRunner

from . import faults, signing
from .models import Notify, Refund, Trade
from .schedule import RETRY_GAPS

BEIJING = ZoneInfo("Asia/Shanghai")

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
    delay = LATE if faults.consume("late_notify") else None
    return runner.queue(
        delay=delay,
        trade=trade,
        notify_id=str(uuid.uuid4()),
        event_type=event_type,
        url=url,
        resource=resource,
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


class WechatNotifies(NotifyRunner):
    model = Notify
    fault_switches = faults.switches
    retry_gaps = RETRY_GAPS
    send_timeout = 5  # seconds: live WeChat counts a slower answer as a failure
    log_event = "sandbox.wechat_notify_sent"

    def prepare(self, notify: Notify) -> Delivery:
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
        return Delivery(
            data=body.encode(),
            headers={"Content-Type": "application/json", "Accept": "application/json", **headers},
            stored={"body": body, "headers": headers},
            note="fault: bad signature" if forge else note,
        )

    def accepted(self, status: int | None, answer: str) -> bool:
        return status in (200, 204)

    def describe(self, notify: Notify) -> str:
        return f"order={notify.resource.get('out_trade_no')} event={notify.event_type}"


runner = WechatNotifies()
