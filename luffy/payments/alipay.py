"""Alipay behind the gateway interface (luffy.payments.gateway): one configured SDK client per
process, thin helpers for its server APIs, and AlipayGateway, which turns Alipay's codes and
fields into the interface's results.

The server API helpers return the verified `*_response` dict (a signed business error such as
40004 is an answer, not an outage); every way of getting no usable answer is
GatewayUnavailable."""

from __future__ import annotations

import functools
import logging
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from alipay import AliPay
from alipay.exceptions import AliPayException, AliPayValidationError
from alipay.utils import AliPayConfig
from django.conf import settings
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from luffy.common import keys
from luffy.common.errors import ValidationFailed
from luffy.common.money import money_str
from luffy.payments.gateway import (
    CloseResult,
    GatewayKind,
    GatewayUnavailable,
    QueryAnswer,
    RefundAnswer,
    TradeReport,
)

logger = logging.getLogger(__name__)

ALIPAY_TZ = ZoneInfo("Asia/Shanghai")
TIME_FORMAT = "%Y-%m-%d %H:%M:%S"
SUCCESS = "10000"
UNAVAILABLE = "20000"
# trade_status values that mean the money was taken.
PAID_STATUSES = {"TRADE_SUCCESS", "TRADE_FINISHED"}


def alipay_time(value: datetime) -> str:
    """'yyyy-MM-dd HH:mm:ss' in Beijing time, as every Alipay time field is."""
    if timezone.is_naive(value):
        raise ValueError("Alipay times must be timezone-aware")
    return value.astimezone(ALIPAY_TZ).strftime(TIME_FORMAT)


class ConfiguredAliPay(AliPay):
    """The SDK with the gateway URL as configuration (it only knows its two Alipay URLs)."""

    def __init__(self, *, gateway: str, **kwargs) -> None:
        super().__init__(**kwargs)
        self._gateway = gateway
        # OpenSSL signs in a third of pycryptodome's time: the biggest cost of a pay URL.
        self._openssl_key = keys.load_private_key(kwargs["app_private_key_string"])
        self.openssl_public_key = keys.load_public_key(kwargs["alipay_public_key_string"])

    def _sign(self, unsigned_string: str) -> str:
        """RSA2 = SHA256withRSA, PKCS#1 v1.5 (deterministic: the same bytes as the SDK's)."""
        if self._sign_type != "RSA2":
            return super()._sign(unsigned_string)
        return keys.rsa2_sign(self._openssl_key, unsigned_string)

    @property
    def gateway(self) -> str:
        return self._gateway

    def build_body(self, method, biz_content=None, **kwargs):
        data = super().build_body(method, biz_content, **kwargs)
        data["timestamp"] = alipay_time(timezone.now())  # the SDK uses the host's local time
        return data


@functools.cache
def _build_client(
    gateway: str, app_id: str, private_key: str, public_key: str, key_dir: str, timeout: float
) -> ConfiguredAliPay:
    if not (private_key and public_key):
        directory = keys.ensure_local_keys(Path(key_dir))
        private_key = private_key or str(directory / keys.APP_PRIVATE)
        public_key = public_key or str(directory / keys.ALIPAY_PUBLIC)
    return ConfiguredAliPay(
        gateway=gateway,
        appid=app_id,
        app_private_key_string=keys.normalize_key(private_key),
        alipay_public_key_string=keys.normalize_key(public_key),
        sign_type="RSA2",
        config=AliPayConfig(timeout=timeout),
    )


def client() -> ConfiguredAliPay:
    """The process's client; keys are parsed once per configuration."""
    return _build_client(
        settings.ALIPAY_GATEWAY,
        settings.ALIPAY_APP_ID,
        settings.ALIPAY_APP_PRIVATE_KEY,
        settings.ALIPAY_PUBLIC_KEY,
        str(settings.ALIPAY_KEY_DIR),
        settings.ALIPAY_HTTP_TIMEOUT,
    )


def page_pay_url(
    *,
    out_trade_no: str,
    subject: str,
    total_amount: Decimal,
    time_expire: datetime,
    return_url: str | None = None,
    notify_url: str | None = None,
) -> str:
    """The cashier URL to send the buyer to (alipay.trade.page.pay, signed, no network call)."""
    if "{" in subject or "}" in subject:
        # The SDK's response check counts braces naively; a brace in a subject breaks it.
        raise ValidationFailed(_("The payment subject must not contain { or }."), field="subject")
    gateway = client()
    query = gateway.api_alipay_trade_page_pay(
        subject=subject,
        out_trade_no=out_trade_no,
        total_amount=money_str(total_amount),
        return_url=return_url or settings.ALIPAY_RETURN_URL,
        notify_url=notify_url or settings.ALIPAY_NOTIFY_URL,
        time_expire=alipay_time(time_expire),
    )
    return f"{gateway.gateway}?{query}"


def _call(api: str, **kwargs) -> dict:
    try:
        response = getattr(client(), api)(**kwargs)
    except (OSError, AliPayException, AliPayValidationError, ValueError) as exc:
        # OSError covers refused connections, timeouts and HTTP errors; ValueError a body
        # that is not JSON. None of them is an answer the caller can act on.
        logger.warning("Alipay %s failed: %r", api, exc)
        raise GatewayUnavailable() from exc
    if response.get("code") == UNAVAILABLE:
        logger.warning("Alipay %s answered 20000: %s", api, response)
        raise GatewayUnavailable()
    return response


def trade_query(out_trade_no: str) -> dict:
    return _call("api_alipay_trade_query", out_trade_no=out_trade_no)


def trade_close(out_trade_no: str) -> dict:
    return _call("api_alipay_trade_close", out_trade_no=out_trade_no)


def trade_refund(
    *, out_trade_no: str, refund_amount: Decimal, out_request_no: str, refund_reason: str = ""
) -> dict:
    extra = {"refund_reason": refund_reason} if refund_reason else {}
    return _call(
        "api_alipay_trade_refund",
        refund_amount=money_str(refund_amount),
        out_trade_no=out_trade_no,
        out_request_no=out_request_no,
        **extra,
    )


def _signed_content(data: dict) -> str:
    return "&".join(f"{k}={v}" for k, v in sorted(data.items()) if v not in ("", None))


def verify_callback(params) -> bool:
    """Is this return redirect or notify signed by Alipay? Takes a dict or a QueryDict.

    Whether the live gateway signs the return redirect with sign_type in the content is
    unconfirmed, so both readings are accepted."""
    data = params.dict() if hasattr(params, "dict") else dict(params)
    sign = data.pop("sign", "")
    sign_type = data.pop("sign_type", "")
    if not sign or sign_type not in ("", "RSA2"):
        return False
    public_key = client().openssl_public_key
    readings = [data, {**data, "sign_type": sign_type}] if sign_type else [data]
    return any(keys.rsa2_verify(public_key, _signed_content(reading), sign) for reading in readings)


def trade_report(data: dict) -> TradeReport:
    """A notify, a return redirect or a trade query answer, in the interface's terms."""
    paid_at = data.get("gmt_payment") or data.get("send_pay_date")
    when = parse_datetime(paid_at) if paid_at else None
    if when is not None and timezone.is_naive(when):
        when = timezone.make_aware(when, ALIPAY_TZ)
    status = str(data.get("trade_status", ""))
    return TradeReport(
        out_trade_no=str(data.get("out_trade_no", "")),
        trade_no=str(data.get("trade_no", "")),
        paid=status in PAID_STATUSES,
        status=status,
        total_amount=str(data.get("total_amount", "")),
        app_id=str(data.get("app_id", "")),
        seller_id=str(data.get("seller_id", "")),
        paid_at=when,
    )


class AlipayGateway:
    """The gateway interface for Alipay (page payment)."""

    kind = GatewayKind.ALIPAY
    creates_trade_remotely = False  # the pay URL is signed here; Alipay sees it with the buyer

    @property
    def app_id(self) -> str:
        return settings.ALIPAY_APP_ID

    @property
    def seller_id(self) -> str:
        return settings.ALIPAY_SELLER_ID

    def pay_url(
        self, *, out_trade_no: str, subject: str, amount: Decimal, deadline: datetime,
        client_ip: str = "",
    ) -> str:  # fmt: skip
        # One cashier page for every device (alipay.trade.page.pay); time_expire = the order's
        # own deadline: nobody can pay an order past it.
        return page_pay_url(
            out_trade_no=out_trade_no,
            subject=subject.replace("{", "(").replace("}", ")"),
            total_amount=amount,
            time_expire=deadline,
        )

    def verify(self, params: dict) -> bool:
        return verify_callback(params)

    def report(self, params: dict) -> TradeReport:
        return trade_report(params)

    def stored(self, params: dict) -> dict:
        return params

    def query(self, out_trade_no: str) -> QueryAnswer:
        answer = trade_query(out_trade_no)
        if answer.get("code") != SUCCESS:  # ACQ.TRADE_NOT_EXIST: the cashier was never opened
            return QueryAnswer(raw=answer, trade=None, detail=str(answer.get("sub_code", "")))
        return QueryAnswer(raw=answer, trade=trade_report(answer))

    def close(self, out_trade_no: str) -> CloseResult:
        answer = trade_close(out_trade_no)
        if answer.get("code") == SUCCESS:
            return CloseResult.CLOSED
        sub_code = answer.get("sub_code")
        if sub_code == "ACQ.TRADE_NOT_EXIST":
            return CloseResult.NO_TRADE
        if sub_code == "ACQ.TRADE_STATUS_ERROR":  # paid meanwhile
            return CloseResult.ALREADY_PAID
        logger.warning("Alipay would not close %s: %s", out_trade_no, answer)
        return CloseResult.REFUSED

    def refund(
        self, *, out_trade_no: str, amount: Decimal, out_request_no: str, reason: str
    ) -> RefundAnswer:
        answer = trade_refund(
            out_trade_no=out_trade_no,
            refund_amount=amount,
            out_request_no=out_request_no,
            refund_reason=reason,
        )
        return RefundAnswer(
            succeeded=answer.get("code") == SUCCESS,
            detail=str(answer.get("sub_msg") or answer.get("msg") or ""),
            raw=answer,
        )
