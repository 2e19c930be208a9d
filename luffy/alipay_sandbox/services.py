"""The sandbox's trade state machine and the four server APIs.

WAIT_BUYER_PAY -> TRADE_SUCCESS (pay) -> TRADE_CLOSED (full refund); WAIT_BUYER_PAY ->
TRADE_CLOSED (close, or time_expire passed). Every change is a conditional update inside a
transaction, and every notify is queued in the same transaction as the change it reports."""

from __future__ import annotations

import json
import logging
import re
import secrets
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import notify, signing
from .models import Refund, Trade
from .notify import beijing

BEIJING = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
OUT_TRADE_NO = re.compile(r"^[A-Za-z0-9_]{1,64}$")
AMOUNT = re.compile(r"^\d{1,9}(\.\d{1,2})?$")
MIN_AMOUNT, MAX_AMOUNT = Decimal("0.01"), Decimal("100000000.00")
DEFAULT_TIMEOUT = timedelta(days=15)
Status = Trade.Status

logger = logging.getLogger(__name__)


class SandboxError(Exception):
    """A gateway error answer: code 40004 with an ACQ.* sub_code unless told otherwise."""

    def __init__(self, sub_code: str, sub_msg: str, *, code: str = "40004") -> None:
        super().__init__(f"{sub_code}: {sub_msg}")
        self.code, self.sub_code, self.sub_msg = code, sub_code, sub_msg

    def payload(self) -> dict:
        msg = {"40002": "Invalid Arguments", "20000": "Service Currently Unavailable"}
        return {
            "code": self.code,
            "msg": msg.get(self.code, "Business Failed"),
            "sub_code": self.sub_code,
            "sub_msg": self.sub_msg,
        }


def amount_str(value: Decimal) -> str:
    return f"{value:.2f}"


def parse_amount(value, field: str = "total_amount") -> Decimal:
    text = str(value) if isinstance(value, str | int) else ""
    if not AMOUNT.match(text):
        raise SandboxError("ACQ.INVALID_PARAMETER", f"{field} 须为两位小数的金额字符串，如 10.00")
    amount = Decimal(text)
    if not MIN_AMOUNT <= amount <= MAX_AMOUNT:
        raise SandboxError("ACQ.INVALID_PARAMETER", f"{field} 须在 0.01 至 100000000.00 之间")
    return amount


def _deadline(biz: dict, now: datetime) -> datetime:
    if biz.get("time_expire"):
        try:
            return datetime.strptime(biz["time_expire"], TIME_FORMAT).replace(tzinfo=BEIJING)
        except (TypeError, ValueError) as exc:
            raise SandboxError(
                "ACQ.INVALID_PARAMETER", "time_expire 格式须为 yyyy-MM-dd HH:mm:ss"
            ) from exc
    express = str(biz.get("timeout_express") or "")
    match = re.fullmatch(r"(\d+)([mhd])", express)
    if express and not match:
        raise SandboxError("ACQ.INVALID_PARAMETER", "timeout_express 格式有误，应如 90m、2h、1d")
    if match:
        unit = {"m": "minutes", "h": "hours", "d": "days"}[match[2]]
        return now + timedelta(**{unit: int(match[1])})
    return now + DEFAULT_TIMEOUT


def _expire_if_due(trade: Trade) -> Trade:
    if trade.status == Status.WAIT_BUYER_PAY and trade.time_expire <= timezone.now():
        Trade.objects.filter(pk=trade.pk, status=Status.WAIT_BUYER_PAY).update(
            status=Status.TRADE_CLOSED, gmt_close=trade.time_expire
        )
        trade.refresh_from_db()
    return trade


def _new_trade_no(now: datetime) -> str:
    return now.astimezone(BEIJING).strftime("%Y%m%d") + "22" + f"{secrets.randbelow(10**18):018d}"


def open_trade(*, app_id: str, biz: dict, return_url: str, notify_url: str) -> Trade:
    """alipay.trade.page.pay: create the trade, or reuse it for the same order."""
    now = timezone.now()
    out_trade_no = str(biz.get("out_trade_no") or "")
    if not OUT_TRADE_NO.match(out_trade_no):
        raise SandboxError(
            "ACQ.INVALID_PARAMETER", "out_trade_no 须为 1 至 64 位字母、数字或下划线"
        )
    amount = parse_amount(biz.get("total_amount"))
    subject = str(biz.get("subject") or "")
    if not 0 < len(subject) <= 256:
        raise SandboxError("ACQ.INVALID_PARAMETER", "subject 长度须为 1 至 256 个字符")
    if biz.get("product_code") != "FAST_INSTANT_TRADE_PAY":
        raise SandboxError("ACQ.INVALID_PARAMETER", "product_code 须为 FAST_INSTANT_TRADE_PAY")
    deadline = _deadline(biz, now)
    with transaction.atomic():
        trade = Trade.objects.filter(app_id=app_id, out_trade_no=out_trade_no).first()
        if trade is None:
            if deadline <= now:
                raise SandboxError("ACQ.TRADE_HAS_CLOSE", "交易已过支付截止时间（time_expire）")
            try:
                with transaction.atomic():
                    return Trade.objects.create(
                        app_id=app_id,
                        out_trade_no=out_trade_no,
                        trade_no=_new_trade_no(now),
                        subject=subject,
                        body=str(biz.get("body") or "")[:128],
                        total_amount=amount,
                        return_url=return_url,
                        notify_url=notify_url,
                        passback_params=str(biz.get("passback_params") or ""),
                        time_expire=deadline,
                        cashier_token=secrets.token_hex(16),
                    )
            except IntegrityError:  # the same order opened twice at once
                trade = Trade.objects.get(app_id=app_id, out_trade_no=out_trade_no)
        trade = _expire_if_due(trade)
        if trade.total_amount != amount or trade.subject != subject:
            raise SandboxError(
                "ACQ.CONTEXT_INCONSISTENT", "交易信息被篡改：同一 out_trade_no 的金额或标题不一致"
            )
        if trade.status in (Status.TRADE_SUCCESS, Status.TRADE_FINISHED):
            raise SandboxError("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
        if trade.status == Status.TRADE_CLOSED:
            raise SandboxError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
        Trade.objects.filter(pk=trade.pk).update(return_url=return_url, notify_url=notify_url)
        trade.return_url, trade.notify_url = return_url, notify_url
        return trade


def pay(*, cashier_token: str) -> Trade:
    """The buyer pressed Pay."""
    with transaction.atomic():
        trade = _expire_if_due(Trade.objects.get(cashier_token=cashier_token))
        if trade.status == Status.TRADE_CLOSED:
            raise SandboxError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭")
        paid = Trade.objects.filter(pk=trade.pk, status=Status.WAIT_BUYER_PAY).update(
            status=Status.TRADE_SUCCESS,
            gmt_payment=timezone.now(),
            buyer_id="2088" + f"{secrets.randbelow(10**12):012d}",
        )
        if not paid:
            raise SandboxError("ACQ.TRADE_HAS_SUCCESS", "交易已被支付")
        trade.refresh_from_db()
        notify.enqueue(trade)
    logger.info("sandbox.paid order=%s trade_no=%s amount=%s", trade.out_trade_no,
                trade.trade_no, trade.total_amount)  # fmt: skip
    return trade


def return_params(trade: Trade) -> dict:
    """The signed query string of the redirect to return_url (no trade_status, as live)."""
    return signing.signed_callback(
        {
            "charset": "utf-8",
            "out_trade_no": trade.out_trade_no,
            "method": "alipay.trade.page.pay.return",
            "total_amount": amount_str(trade.total_amount),
            "trade_no": trade.trade_no,
            "auth_app_id": trade.app_id,
            "version": "1.0",
            "app_id": trade.app_id,
            "seller_id": settings.ALIPAY_SELLER_ID,
            "timestamp": beijing(timezone.now()),
        }
    )


# --- Server APIs -----------------------------------------------------------------------------


def _find(app_id: str, biz: dict) -> Trade:
    lookup = {"app_id": app_id}
    if biz.get("out_trade_no"):
        lookup["out_trade_no"] = str(biz["out_trade_no"])
    elif biz.get("trade_no"):
        lookup["trade_no"] = str(biz["trade_no"])
    else:
        raise SandboxError(
            "isv.missing-parameter", "缺少必选参数：out_trade_no 或 trade_no", code="40001"
        )
    trade = Trade.objects.filter(**lookup).first()
    if trade is None:
        raise SandboxError("ACQ.TRADE_NOT_EXIST", "交易不存在")
    return _expire_if_due(trade)


def _ids(trade: Trade) -> dict:
    return {"code": "10000", "msg": "Success", "trade_no": trade.trade_no,
            "out_trade_no": trade.out_trade_no}  # fmt: skip


def trade_query(app_id: str, biz: dict) -> dict:
    trade = _find(app_id, biz)
    paid = trade.gmt_payment is not None
    answer = {
        **_ids(trade),
        "trade_status": trade.status,
        "total_amount": amount_str(trade.total_amount),
        "buyer_pay_amount": amount_str(trade.total_amount if paid else Decimal(0)),
        "receipt_amount": amount_str(trade.total_amount if paid else Decimal(0)),
        "invoice_amount": amount_str(trade.total_amount if paid else Decimal(0)),
        "point_amount": "0.00",
    }
    if paid:
        answer.update(
            send_pay_date=beijing(trade.gmt_payment),
            buyer_user_id=trade.buyer_id,
            buyer_logon_id=notify.BUYER_LOGON_ID,
        )
    return answer


def trade_close(app_id: str, biz: dict) -> dict:
    with transaction.atomic():
        trade = _find(app_id, biz)
        if trade.status == Status.WAIT_BUYER_PAY:
            Trade.objects.filter(pk=trade.pk, status=Status.WAIT_BUYER_PAY).update(
                status=Status.TRADE_CLOSED, gmt_close=timezone.now()
            )
            trade.refresh_from_db()
        if trade.gmt_payment is not None:
            raise SandboxError("ACQ.TRADE_STATUS_ERROR", "交易状态不合法：已支付的交易不能关闭")
        return _ids(trade)  # closing a closed trade again is a success


def _refund_answer(trade: Trade, refund: Refund, *, fund_change: bool) -> dict:
    return {
        **_ids(trade),
        "buyer_logon_id": notify.BUYER_LOGON_ID,
        "buyer_user_id": trade.buyer_id,
        "fund_change": "Y" if fund_change else "N",
        "refund_fee": amount_str(trade.refund_fee),
        "gmt_refund_pay": beijing(refund.gmt_refund),
    }


def trade_refund(app_id: str, biz: dict) -> dict:
    amount = parse_amount(biz.get("refund_amount"), "refund_amount")
    with transaction.atomic():
        trade = _find(app_id, biz)
        out_request_no = str(biz.get("out_request_no") or trade.out_trade_no)[:64]
        refund = trade.refunds.filter(out_request_no=out_request_no).first()
        if refund is not None:  # the same request again: done once, answered again
            if refund.amount != amount:
                raise SandboxError(
                    "ACQ.DISCORDANT_REPEAT_REQUEST",
                    "不一致的请求重复：同一 out_request_no 的退款金额不同",
                )
            return _refund_answer(trade, refund, fund_change=False)
        if trade.status == Status.WAIT_BUYER_PAY:
            raise SandboxError("ACQ.TRADE_STATUS_ERROR", "交易状态不合法：交易尚未支付")
        if trade.status == Status.TRADE_CLOSED:
            raise SandboxError("ACQ.TRADE_HAS_CLOSE", "交易已经关闭（已全额退款）")
        new_fee = trade.refund_fee + amount
        if new_fee > trade.total_amount:
            raise SandboxError(
                "ACQ.REASON_TRADE_REFUND_FEE_ERR", "退款金额超限：退款总额超过了支付金额"
            )
        full = new_fee == trade.total_amount
        now = timezone.now()
        changed = Trade.objects.filter(pk=trade.pk, refund_fee=trade.refund_fee).update(
            refund_fee=new_fee,
            status=Status.TRADE_CLOSED if full else trade.status,
            gmt_close=now if full else None,
        )
        if not changed:
            raise SandboxError(
                "ACQ.SYSTEM_ERROR", "系统繁忙：同一交易的退款正在处理，请重试", code="20000"
            )
        refund = Refund.objects.create(
            trade=trade,
            out_request_no=out_request_no,
            amount=amount,
            reason=str(biz.get("refund_reason") or "")[:256],
        )
        trade.refresh_from_db()
        notify.enqueue(trade, refund=refund)
        return _refund_answer(trade, refund, fund_change=True)


def refund_query(app_id: str, biz: dict) -> dict:
    trade = _find(app_id, biz)
    answer = _ids(trade)
    refund = trade.refunds.filter(out_request_no=str(biz.get("out_request_no") or "")).first()
    if refund is not None:
        answer.update(
            out_request_no=refund.out_request_no,
            total_amount=amount_str(trade.total_amount),
            refund_amount=amount_str(refund.amount),
            refund_status="REFUND_SUCCESS",
            gmt_refund_pay=beijing(refund.gmt_refund),
        )
    return answer


API_METHODS = {
    "alipay.trade.query": trade_query,
    "alipay.trade.close": trade_close,
    "alipay.trade.refund": trade_refund,
    "alipay.trade.fastpay.refund.query": refund_query,
}


def call_api(method: str, app_id: str, biz_content: str) -> dict:
    try:
        biz = json.loads(biz_content or "{}")
    except ValueError as exc:
        raise SandboxError(
            "isv.invalid-parameter", "biz_content 不是合法的 JSON", code="40002"
        ) from exc
    if not isinstance(biz, dict):
        raise SandboxError("isv.invalid-parameter", "biz_content 须为 JSON 对象", code="40002")
    return API_METHODS[method](app_id, biz)
