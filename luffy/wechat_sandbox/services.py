"""The sandbox's trade state machine and the v3 APIs, in WeChat Pay's terms (amounts in fen,
times RFC 3339 in Beijing time, errors {code, message} with WeChat's HTTP statuses).

NOTPAY -> SUCCESS (the buyer pays) -> REFUND (any refund); NOTPAY -> CLOSED (close, or
time_expire passed). Every change is a conditional update inside a transaction, and every
notify is queued in the same transaction as the change it reports."""

from __future__ import annotations

import logging
import re
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from . import notify
from .models import Refund, Trade

BEIJING = ZoneInfo("Asia/Shanghai")
OUT_TRADE_NO = re.compile(r"^[A-Za-z0-9_\-|*]{6,32}$")
OUT_REFUND_NO = re.compile(r"^[A-Za-z0-9_\-|*@]{1,64}$")
MAX_TOTAL = 100_000_000_00  # fen
DEFAULT_TIMEOUT = timedelta(hours=2)  # live: two hours when time_expire is absent
State = Trade.State
STATE_DESC = {
    State.NOTPAY: "订单未支付",
    State.SUCCESS: "支付成功",
    State.REFUND: "转入退款",
    State.CLOSED: "订单已关闭",
}

logger = logging.getLogger(__name__)


class SandboxError(Exception):
    """A v3 error answer: an HTTP status and WeChat's {code, message}."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message

    def payload(self) -> dict:
        return {"code": self.code, "message": self.message}


def param_error(message: str) -> SandboxError:
    return SandboxError(400, "PARAM_ERROR", message)


def rfc3339(value: datetime | None) -> str:
    """2026-12-02T22:00:00+08:00, as every v3 time field is."""
    return value.astimezone(BEIJING).isoformat(timespec="seconds") if value else ""


def _parse_time(value) -> datetime:
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise param_error(
            "time_expire格式错误，应为RFC3339格式，如2026-12-02T22:00:00+08:00"
        ) from exc
    if parsed.tzinfo is None:
        raise param_error("time_expire须带时区，如+08:00")
    return parsed


def _fen(value, field: str, *, maximum: int = MAX_TOTAL) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= maximum:
        raise param_error(f"{field}应为1到{maximum}之间的整数（单位：分）")
    return value


def _text(data: dict, field: str, *, low: int, high: int) -> str:
    value = data.get(field)
    if not isinstance(value, str) or not low <= len(value) <= high:
        raise param_error(f"{field}长度应为{low}到{high}个字符")
    return value


def _check_merchant(data: dict, *, with_appid: bool = True) -> None:
    if data.get("mchid") != settings.WECHAT_MCHID:
        raise param_error("mchid与请求头中的商户号不一致")
    if with_appid and data.get("appid") != settings.WECHAT_APPID:
        raise SandboxError(400, "APPID_MCHID_NOT_MATCH", "appid和mch_id不匹配，请检查后再试")


def _expire_if_due(trade: Trade) -> Trade:
    if trade.trade_state == State.NOTPAY and trade.time_expire <= timezone.now():
        Trade.objects.filter(pk=trade.pk, trade_state=State.NOTPAY).update(
            trade_state=State.CLOSED, closed_at=trade.time_expire
        )
        trade.refresh_from_db()
    return trade


def _digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def _transaction_id(now: datetime) -> str:
    return "4200" + now.astimezone(BEIJING).strftime("%Y%m%d") + _digits(16)


def open_trade(data: dict, *, trade_type: str) -> Trade:
    """Native or H5 ordering: create the trade, or reuse it for the same order."""
    _check_merchant(data)
    out_trade_no = str(data.get("out_trade_no") or "")
    if not OUT_TRADE_NO.match(out_trade_no):
        raise param_error("out_trade_no应为6到32位字母、数字或_-|*")
    description = _text(data, "description", low=1, high=127)
    notify_url = _text(data, "notify_url", low=1, high=256)
    if not re.match(r"^https?://", notify_url):
        raise param_error("notify_url须为http或https地址")  # live: https only
    amount = data.get("amount")
    if not isinstance(amount, dict):
        raise param_error("缺少amount")
    total = _fen(amount.get("total"), "amount.total")
    if amount.get("currency", "CNY") != "CNY":
        raise param_error("amount.currency只支持CNY")
    client_ip = ""
    if trade_type == Trade.Type.MWEB:
        scene = data.get("scene_info")
        if not isinstance(scene, dict) or not scene.get("payer_client_ip"):
            raise param_error("H5下单须提供scene_info.payer_client_ip")
        h5_info = scene.get("h5_info")
        if not isinstance(h5_info, dict) or not h5_info.get("type"):
            raise param_error("H5下单须提供scene_info.h5_info.type")
        client_ip = str(scene["payer_client_ip"])[:45]
    now = timezone.now()
    deadline = _parse_time(data["time_expire"]) if data.get("time_expire") else None
    with transaction.atomic():
        trade = Trade.objects.filter(mchid=data["mchid"], out_trade_no=out_trade_no).first()
        if trade is None:
            if deadline is not None and deadline <= now:
                raise param_error("time_expire已过期")
            try:
                with transaction.atomic():
                    return Trade.objects.create(
                        mchid=data["mchid"],
                        appid=data["appid"],
                        out_trade_no=out_trade_no,
                        transaction_id=_transaction_id(now),
                        trade_type=trade_type,
                        description=description,
                        attach=str(data.get("attach") or "")[:128],
                        total=total,
                        notify_url=notify_url,
                        time_expire=deadline or now + DEFAULT_TIMEOUT,
                        payer_client_ip=client_ip,
                        cashier_token=secrets.token_hex(16),
                    )
            except IntegrityError:  # the same order opened twice at once
                trade = Trade.objects.get(mchid=data["mchid"], out_trade_no=out_trade_no)
        trade = _expire_if_due(trade)
        if trade.trade_state in (State.SUCCESS, State.REFUND):
            raise SandboxError(400, "ORDERPAID", "该订单已支付")
        if trade.trade_state == State.CLOSED:
            raise SandboxError(400, "ORDER_CLOSED", "订单已关闭")
        if trade.total != total or trade.description != description:
            raise SandboxError(400, "OUT_TRADE_NO_USED", "商户订单号重复，且金额或描述不同")
        # Reordering the same order (another device, or later) gets a fresh cashier for it.
        Trade.objects.filter(pk=trade.pk).update(
            trade_type=trade_type, notify_url=notify_url, payer_client_ip=client_ip
        )
        trade.trade_type, trade.notify_url = trade_type, notify_url
        return trade


def code_url(trade: Trade) -> str:
    return f"weixin://wxpay/bizpayurl?pr={trade.cashier_token}"


def pay(*, cashier_token: str) -> Trade:
    """The buyer scanned (or opened the H5 page) and confirmed."""
    with transaction.atomic():
        trade = _expire_if_due(Trade.objects.get(cashier_token=cashier_token))
        if trade.trade_state == State.CLOSED:
            raise SandboxError(400, "ORDER_CLOSED", "订单已关闭")
        paid = Trade.objects.filter(pk=trade.pk, trade_state=State.NOTPAY).update(
            trade_state=State.SUCCESS,
            success_time=timezone.now(),
            payer_openid="oUpF8u" + secrets.token_urlsafe(16)[:22],
        )
        if not paid:
            raise SandboxError(400, "ORDERPAID", "该订单已支付")
        trade.refresh_from_db()
        notify.enqueue_transaction(trade, transaction_view(trade))
    logger.info("sandbox.wechat_paid order=%s transaction_id=%s total=%s", trade.out_trade_no,
                trade.transaction_id, trade.total)  # fmt: skip
    return trade


def transaction_view(trade: Trade) -> dict:
    """The transaction as the query answers it and the payment notify carries it."""
    paid = trade.success_time is not None
    view = {
        "appid": trade.appid,
        "mchid": trade.mchid,
        "out_trade_no": trade.out_trade_no,
        "trade_state": trade.trade_state,
        "trade_state_desc": STATE_DESC[trade.trade_state],
        "attach": trade.attach,
        "amount": {"total": trade.total, "currency": "CNY", "payer_currency": "CNY"},
    }
    if paid:
        view.update(
            transaction_id=trade.transaction_id,
            trade_type=trade.trade_type,
            bank_type="OTHERS",
            success_time=rfc3339(trade.success_time),
            payer={"openid": trade.payer_openid},
        )
        view["amount"]["payer_total"] = trade.total
    return view


# --- v3 APIs ----------------------------------------------------------------------------------


def _find(out_trade_no: str) -> Trade:
    trade = Trade.objects.filter(mchid=settings.WECHAT_MCHID, out_trade_no=out_trade_no).first()
    if trade is None:
        raise SandboxError(404, "ORDER_NOT_EXIST", "订单不存在")
    return _expire_if_due(trade)


def query(out_trade_no: str, *, mchid: str) -> dict:
    if mchid != settings.WECHAT_MCHID:
        raise param_error("mchid与请求头中的商户号不一致")
    return transaction_view(_find(out_trade_no))


def close(out_trade_no: str, data: dict) -> None:
    """Closes an unpaid trade (no notify, as live); closing it again is a success."""
    _check_merchant(data, with_appid=False)
    with transaction.atomic():
        trade = _find(out_trade_no)
        if trade.trade_state == State.NOTPAY:
            Trade.objects.filter(pk=trade.pk, trade_state=State.NOTPAY).update(
                trade_state=State.CLOSED, closed_at=timezone.now()
            )
            trade.refresh_from_db()
        if trade.success_time is not None:
            raise SandboxError(400, "ORDERPAID", "订单已支付，不能关闭")


def refund_view(refund: Refund) -> dict:
    trade = refund.trade
    return {
        "refund_id": refund.refund_id,
        "out_refund_no": refund.out_refund_no,
        "transaction_id": trade.transaction_id,
        "out_trade_no": trade.out_trade_no,
        "channel": "ORIGINAL",
        "user_received_account": "支付用户零钱",
        "success_time": rfc3339(refund.success_time),
        "create_time": rfc3339(refund.created),
        "status": refund.status,
        "funds_account": "AVAILABLE",
        "amount": {
            "total": trade.total,
            "refund": refund.amount,
            "payer_total": trade.total,
            "payer_refund": refund.amount,
            "settlement_total": trade.total,
            "settlement_refund": refund.amount,
            "discount_refund": 0,
            "currency": "CNY",
            "refund_fee": 0,
        },
    }


def refund_notice(refund: Refund) -> dict:
    """The decrypted resource of a refund notify."""
    trade = refund.trade
    return {
        "mchid": trade.mchid,
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.transaction_id,
        "out_refund_no": refund.out_refund_no,
        "refund_id": refund.refund_id,
        "refund_status": refund.status,
        "success_time": rfc3339(refund.success_time),
        "user_received_account": "支付用户零钱",
        "amount": {
            "total": trade.total,
            "refund": refund.amount,
            "payer_total": trade.total,
            "payer_refund": refund.amount,
        },
    }


def refund(data: dict) -> dict:
    """Partial and cumulative; the same out_refund_no is the same refund."""
    out_refund_no = str(data.get("out_refund_no") or "")
    if not OUT_REFUND_NO.match(out_refund_no):
        raise param_error("out_refund_no应为1到64位字母、数字或_-|*@")
    amount = data.get("amount")
    if not isinstance(amount, dict):
        raise param_error("缺少amount")
    asked = _fen(amount.get("refund"), "amount.refund")
    stated_total = _fen(amount.get("total"), "amount.total")
    notify_url = str(data.get("notify_url") or "")[:256]
    with transaction.atomic():
        if data.get("out_trade_no"):
            trade = Trade.objects.filter(
                mchid=settings.WECHAT_MCHID, out_trade_no=str(data["out_trade_no"])
            ).first()
        elif data.get("transaction_id"):
            trade = Trade.objects.filter(
                mchid=settings.WECHAT_MCHID, transaction_id=str(data["transaction_id"])
            ).first()
        else:
            raise param_error("transaction_id和out_trade_no须二选一")
        if trade is None or trade.success_time is None:
            raise SandboxError(404, "RESOURCE_NOT_EXISTS", "订单不存在或未支付")
        existing = Refund.objects.filter(
            trade__mchid=settings.WECHAT_MCHID, out_refund_no=out_refund_no
        ).first()
        if existing is not None:  # the same request again: done once, answered again
            if existing.trade_id != trade.pk or existing.amount != asked:
                raise SandboxError(
                    400, "INVALID_REQUEST", "同一退款单号的订单或退款金额与原请求不一致"
                )
            return refund_view(existing)
        if stated_total != trade.total:
            raise param_error("amount.total与订单金额不一致")
        changed = Trade.objects.filter(
            pk=trade.pk, refunded__lte=trade.total - asked, success_time__isnull=False
        ).update(refunded=F("refunded") + asked, trade_state=State.REFUND)
        if not changed:
            raise SandboxError(400, "INVALID_REQUEST", "申请退款金额超过订单可退金额")
        now = timezone.now()
        try:
            with transaction.atomic():
                created = Refund.objects.create(
                    trade=trade,
                    out_refund_no=out_refund_no,
                    refund_id="50" + _digits(27),
                    amount=asked,
                    reason=str(data.get("reason") or "")[:80],
                    notify_url=notify_url,
                    success_time=now,
                )
        except IntegrityError as exc:  # the same refund asked twice at once: retry it
            raise SandboxError(500, "SYSTEM_ERROR", "系统繁忙，请使用相同参数重试") from exc
        notify.enqueue_refund(created, refund_notice(created))
    logger.info("sandbox.wechat_refunded order=%s out_refund_no=%s amount=%s",
                trade.out_trade_no, out_refund_no, asked)  # fmt: skip
    return refund_view(created)


def refund_query(out_refund_no: str) -> dict:
    found = (
        Refund.objects.select_related("trade")
        .filter(trade__mchid=settings.WECHAT_MCHID, out_refund_no=out_refund_no)
        .first()
    )
    if found is None:
        raise SandboxError(404, "RESOURCE_NOT_EXISTS", "退款单不存在")
    return refund_view(found)
