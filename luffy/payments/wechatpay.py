"""WeChat Pay (API v3) behind the gateway interface (luffy.payments.gateway): signed JSON
requests to WECHAT_API_BASE, signed answers checked before they are read, notifies verified and
decrypted, and WechatPayGateway, which turns WeChat's codes and fields into the interface's
results.

No SDK: wechatpayv3 would fit (it is on PyPI and well kept) but hard-wires the live API host
and wants its own certificate download; the primitives it would give us are the few functions
of luffy.payments.wechat over `cryptography`, the store's one crypto library. Formats per
WeChat Pay's APIv3 pages, summarised in docs/payments.md; verified against the offline sandbox
(luffy.wechat_sandbox) only.

Every way of getting no usable answer (refused, timed out, unsigned or badly signed, 5xx, 429
FREQUENCY_LIMITED) is GatewayUnavailable; a signed 4xx is an answer."""

from __future__ import annotations

import binascii
import functools
import json
import logging
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from cryptography.exceptions import InvalidTag
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext

from luffy.common import keys
from luffy.payments import wechat
from luffy.payments.gateway import (
    CloseResult,
    GatewayKind,
    GatewayUnavailable,
    PaymentRefused,
    QueryAnswer,
    RefundAnswer,
    RefundReport,
    TradeReport,
)

logger = logging.getLogger(__name__)

BEIJING = ZoneInfo("Asia/Shanghai")
# trade_state values: SUCCESS means the money was taken (REFUND: taken, then given back).
PAID_STATE = "SUCCESS"
REFUND_ACCEPTED = {"SUCCESS", "PROCESSING"}  # PROCESSING: the money is on its way back
NOTIFY_HEADERS = ("Wechatpay-Timestamp", "Wechatpay-Nonce", "Wechatpay-Signature",
                  "Wechatpay-Serial")  # fmt: skip


def rfc3339(value: datetime) -> str:
    """2026-12-02T22:00:00+08:00 (Beijing time), as v3 time fields are written."""
    if timezone.is_naive(value):
        raise ValueError(gettext("WeChat Pay times must be timezone-aware."))
    return value.astimezone(BEIJING).isoformat(timespec="seconds")


def yuan(fen) -> str:
    """Integer fen as the store's money string ("0.30"); "" for anything else."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        return ""
    return f"{Decimal(fen) / 100:.2f}"


@dataclass(frozen=True)
class Credentials:
    mchid: str
    appid: str
    serial_no: str
    private_key: object
    platform_serial: str
    platform_key: object
    apiv3_key: str


@functools.cache
def _credentials(
    mchid: str, appid: str, serial_no: str, private_key: str, platform_serial: str,
    platform_key: str, apiv3_key: str, key_dir: str,
) -> Credentials:  # fmt: skip
    if not (private_key and platform_key and apiv3_key):
        directory = keys.ensure_local_keys(Path(key_dir), keys.WECHAT_PAIRS)
        private_key = private_key or str(directory / keys.MCH_PRIVATE)
        platform_key = platform_key or str(directory / keys.PLATFORM_PUBLIC)
        apiv3_key = apiv3_key or keys.local_apiv3_key(directory)
    if len(apiv3_key.encode()) != 32:
        raise ValueError(
            gettext(
                "WECHAT_APIV3_KEY must be 32 characters "
                "(the APIv3 key set in the merchant platform)."
            )
        )
    return Credentials(
        mchid=mchid,
        appid=appid,
        serial_no=serial_no,
        private_key=keys.load_private_key(private_key),
        platform_serial=platform_serial,
        platform_key=keys.load_public_key(platform_key),
        apiv3_key=apiv3_key,
    )


def credentials() -> Credentials:
    """The configured ids and keys (local ones generated for the sandbox when unset)."""
    return _credentials(
        settings.WECHAT_MCHID,
        settings.WECHAT_APPID,
        settings.WECHAT_MCH_SERIAL_NO,
        settings.WECHAT_MCH_PRIVATE_KEY,
        settings.WECHAT_PLATFORM_SERIAL,
        settings.WECHAT_PLATFORM_PUBLIC_KEY,
        settings.WECHAT_APIV3_KEY,
        str(settings.WECHAT_KEY_DIR),
    )


def signature_problem(headers, body: bytes) -> str:
    """Why an answer or notify is not WeChat's ("" when it is): the serial names our platform
    key, the timestamp is within WECHAT_TIMESTAMP_SKEW, and the signature verifies over
    "TIMESTAMP\\nNONCE\\nBODY\\n" of the raw bytes."""
    creds = credentials()
    get = headers.get
    timestamp, nonce = get("Wechatpay-Timestamp") or "", get("Wechatpay-Nonce") or ""
    signature, serial = get("Wechatpay-Signature") or "", get("Wechatpay-Serial") or ""
    if not (timestamp and nonce and signature and serial):
        return "unsigned"
    if serial != creds.platform_serial:
        return f"unknown Wechatpay-Serial {serial[:64]!r}"
    if (
        not timestamp.isdigit()
        or abs(int(timestamp) - time.time()) > settings.WECHAT_TIMESTAMP_SKEW
    ):
        return "stale timestamp"
    if not wechat.answer_verify(public_key=creds.platform_key, timestamp=timestamp, nonce=nonce,
                                body=body, signature=signature):  # fmt: skip
        return "bad signature"
    return ""


@dataclass(frozen=True)
class Answer:
    status: int
    data: dict


def call(method: str, path: str, payload: dict | None = None) -> Answer:
    """One signed v3 request; the verified answer (any status below 500 but 429)."""
    creds = credentials()
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    request = urllib.request.Request(  # noqa: S310 - WECHAT_API_BASE is configuration
        settings.WECHAT_API_BASE.rstrip("/") + path,
        data=body.encode() if payload is not None else None,
        method=method,
        headers={
            "Authorization": wechat.authorization(
                private_key=creds.private_key,
                mchid=creds.mchid,
                serial_no=creds.serial_no,
                method=method,
                path=path,
                body=body,
            ),
            "Accept": "application/json",
            "Content-Type": "application/json",
            "User-Agent": "luffy-store",
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.WECHAT_HTTP_TIMEOUT) as response:  # noqa: S310
            status, headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as exc:
        status, headers, raw = exc.code, exc.headers, exc.read()
    except OSError as exc:
        logger.warning("WeChat Pay %s %s failed: %r", method, path, exc)
        raise GatewayUnavailable() from exc
    problem = signature_problem(headers, raw)
    if problem:  # a proxy's page, or not WeChat at all: nothing to act on
        logger.warning("WeChat Pay %s %s answered %s, %s", method, path, status, problem)
        raise GatewayUnavailable()
    try:
        data = json.loads(raw) if raw else {}
    except ValueError as exc:
        raise GatewayUnavailable() from exc
    if not isinstance(data, dict):
        raise GatewayUnavailable()
    if status >= 500 or status == 429:  # SYSTEM_ERROR, FREQUENCY_LIMITED: retry later, same ids
        logger.warning("WeChat Pay %s %s answered %s: %s", method, path, status, data)
        raise GatewayUnavailable()
    return Answer(status=status, data=data)


def _quote(value: str) -> str:
    return urllib.parse.quote(value, safe="")


def order(
    *, out_trade_no: str, description: str, amount: Decimal, deadline: datetime,
    client_ip: str = "",
) -> dict:  # fmt: skip
    """Native (no client_ip) or H5 ordering: {"code_url": ...} or {"h5_url": ...}."""
    creds = credentials()
    payload = {
        "appid": creds.appid,
        "mchid": creds.mchid,
        "description": description[:127],
        "out_trade_no": out_trade_no,
        "time_expire": rfc3339(deadline),
        "notify_url": settings.WECHAT_NOTIFY_URL,
        "amount": {"total": wechat.fen(amount), "currency": "CNY"},
    }
    path = "/v3/pay/transactions/native"
    if client_ip:
        path = "/v3/pay/transactions/h5"
        payload["scene_info"] = {"payer_client_ip": client_ip, "h5_info": {"type": "Wap"}}
    return call("POST", path, payload).data


@dataclass(frozen=True)
class Notice:
    """A verified notify: its envelope and its decrypted resource."""

    event_type: str
    resource: dict


def notice(params: dict) -> Notice | None:
    """The notify `{"headers": {...}, "body": "<raw JSON>"}` verified and decrypted, or None."""
    body = params.get("body")
    headers = params.get("headers")
    if not isinstance(body, str) or not isinstance(headers, dict):
        return None
    if signature_problem(headers, body.encode()):
        return None
    try:
        envelope = json.loads(body)
        resource = envelope["resource"]
        if resource.get("algorithm") != "AEAD_AES_256_GCM":
            return None
        plain = wechat.resource_decrypt(
            apiv3_key=credentials().apiv3_key,
            nonce=str(resource["nonce"]),
            ciphertext=str(resource["ciphertext"]),
            associated_data=str(resource.get("associated_data") or ""),
        )
        data = json.loads(plain)
    except (ValueError, KeyError, TypeError, AttributeError, InvalidTag, binascii.Error):
        return None
    if not isinstance(data, dict):
        return None
    return Notice(event_type=str(envelope.get("event_type", "")), resource=data)


def _paid_at(value) -> datetime | None:
    try:
        when = datetime.fromisoformat(str(value)) if value else None
    except ValueError:
        return None
    return when if when is None or timezone.is_aware(when) else None


def trade_report(data: dict) -> TradeReport:
    """A decrypted transaction or a query answer, in the interface's terms."""
    amount = data.get("amount") if isinstance(data.get("amount"), dict) else {}
    state = str(data.get("trade_state", ""))
    return TradeReport(
        out_trade_no=str(data.get("out_trade_no", "")),
        trade_no=str(data.get("transaction_id", "")),
        paid=state == PAID_STATE,
        status=state,
        total_amount=yuan(amount.get("total")),
        # Always judged: a message without them is not from our merchant account.
        app_id=str(data.get("appid", "")) or "-",
        seller_id=str(data.get("mchid", "")) or "-",
        paid_at=_paid_at(data.get("success_time")),
    )


class WechatPayGateway:
    """The gateway interface for WeChat Pay: Native (QR code) or H5 (phone browsers)."""

    kind = GatewayKind.WECHAT
    creates_trade_remotely = True  # Native/H5 ordering is a call to WeChat

    @property
    def app_id(self) -> str:
        return settings.WECHAT_APPID

    @property
    def seller_id(self) -> str:
        return settings.WECHAT_MCHID

    def pay_url(
        self, *, out_trade_no: str, subject: str, amount: Decimal, deadline: datetime,
        client_ip: str = "", return_url: str | None = None,
    ) -> str:  # fmt: skip
        """The code_url (Native: show it as a QR code) or, with the buyer's `client_ip`, the
        h5_url + redirect_url (WECHAT_H5_RETURN_URL naming the order) to send a phone browser
        to. Unlike Alipay this is a call to WeChat: GatewayUnavailable when it does not answer,
        PaymentRefused (a WechatRefusal) when it will not take the order."""
        answer = order(out_trade_no=out_trade_no, description=subject, amount=amount,
                       deadline=deadline, client_ip=client_ip)  # fmt: skip
        url = answer.get("h5_url" if client_ip else "code_url")
        if not isinstance(url, str) or not url:
            raise WechatRefusal(str(answer.get("code", "")), str(answer.get("message", "")))
        if client_ip:
            if return_url is None:
                back = settings.WECHAT_H5_RETURN_URL
                query = urllib.parse.urlencode({"pay_type": "wechat", "order_number": out_trade_no})
                return_url = back + ("&" if "?" in back else "?") + query
            if return_url:
                url += ("&" if "?" in url else "?") + "redirect_url=" + _quote(return_url)
        return url

    def verify(self, params: dict) -> bool:
        found = notice(params)
        return found is not None and found.event_type.startswith("TRANSACTION.")

    def report(self, params: dict) -> TradeReport:
        found = notice(params)
        return trade_report(found.resource if found else {})

    def stored(self, params: dict) -> dict:
        """The headers and raw body as received, and the decrypted resource (only the store's
        APIv3 key reads it), so the message can be judged again later."""
        found = notice(params)
        return {**params, "resource": found.resource if found else None}

    def refund_report(self, params: dict) -> RefundReport | None:
        """A verified refund notify (REFUND.SUCCESS / ABNORMAL / CLOSED), or None."""
        found = notice(params)
        if found is None or not found.event_type.startswith("REFUND."):
            return None
        data = found.resource
        status = str(data.get("refund_status", ""))
        return RefundReport(
            out_trade_no=str(data.get("out_trade_no", "")),
            out_request_no=str(data.get("out_refund_no", "")),
            succeeded=status == "SUCCESS",
            status=status,
        )

    def query(self, out_trade_no: str) -> QueryAnswer:
        path = f"/v3/pay/transactions/out-trade-no/{_quote(out_trade_no)}?mchid={self.seller_id}"
        answer = call("GET", path)
        if answer.status != 200:  # 404 ORDER_NOT_EXIST: the order was never placed with WeChat
            return QueryAnswer(raw=answer.data, trade=None, detail=str(answer.data.get("code")))
        return QueryAnswer(raw=answer.data, trade=trade_report(answer.data))

    def close(self, out_trade_no: str) -> CloseResult:
        path = f"/v3/pay/transactions/out-trade-no/{_quote(out_trade_no)}/close"
        answer = call("POST", path, {"mchid": self.seller_id})
        if answer.status == 204:
            return CloseResult.CLOSED
        code = answer.data.get("code")
        if code == "ORDER_NOT_EXIST":
            return CloseResult.NO_TRADE
        if code == "ORDERPAID":
            return CloseResult.ALREADY_PAID
        logger.warning("WeChat Pay would not close %s: %s", out_trade_no, answer.data)
        return CloseResult.REFUSED

    def refund(
        self, *, out_trade_no: str, amount: Decimal, out_request_no: str, reason: str,
        total: Decimal | None = None,
    ) -> RefundAnswer:  # fmt: skip
        """WeChat wants the trade's total too: read from the gateway when not given."""
        if total is None:
            found = self.query(out_trade_no)
            if found.trade is None or not found.trade.total_amount:
                return RefundAnswer(succeeded=False, detail=found.detail or "no trade",
                                    raw=found.raw)  # fmt: skip
            total = Decimal(found.trade.total_amount)
        payload = {
            "out_trade_no": out_trade_no,
            "out_refund_no": out_request_no,
            "notify_url": settings.WECHAT_REFUND_NOTIFY_URL,
            "amount": {"refund": wechat.fen(amount), "total": wechat.fen(total), "currency": "CNY"},
        }
        if reason:
            payload["reason"] = reason[:80]
        answer = call("POST", "/v3/refund/domestic/refunds", payload)
        status = answer.data.get("status")
        return RefundAnswer(
            succeeded=answer.status == 200 and status in REFUND_ACCEPTED,
            detail=str(answer.data.get("message") or status or ""),
            raw=answer.data,
        )

    def refund_query(self, out_request_no: str) -> dict:
        return call("GET", f"/v3/refund/domestic/refunds/{_quote(out_request_no)}").data


REFUSAL_REASONS = {
    "ORDERPAID": PaymentRefused.Reason.PAID,
    "ORDER_CLOSED": PaymentRefused.Reason.CLOSED,
}


class WechatRefusal(PaymentRefused):
    """WeChat answered an order request with an error (e.g. ORDERPAID, ORDER_CLOSED)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(
            REFUSAL_REASONS.get(code, PaymentRefused.Reason.OTHER), f"{code} {message}"
        )
        self.code, self.message = code, message
