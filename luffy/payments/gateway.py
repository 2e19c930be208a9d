"""The gateway interface: what the store asks of a payment gateway and what it gets back, in
the store's own terms. Each gateway is one module behind it (alipay.py, wechatpay.py), so
the payment use cases in services.py never read a gateway's own codes or field names.

Every call that goes over the network raises GatewayUnavailable when no usable answer came
(refused, timed out, unsigned, "busy, retry"); a signed business answer is a result."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Protocol

from django.utils.translation import gettext_lazy

from luffy.common.errors import ServiceUnavailable


class GatewayUnavailable(ServiceUnavailable):
    default_code = "payment_gateway_unavailable"
    default_message = gettext_lazy(
        "The payment gateway is not answering; please try again shortly."
    )


class GatewayKind(StrEnum):
    ALIPAY = "alipay"
    WECHAT = "wechat"


# What operators read for a gateway kind (Trade.gateway and Refund.gateway hold the kind).
GATEWAY_LABELS = {
    GatewayKind.ALIPAY: gettext_lazy("Alipay"),
    GatewayKind.WECHAT: gettext_lazy("WeChat Pay"),
}


@dataclass(frozen=True)
class TradeReport:
    """What a verified message or a query answer says about one trade."""

    out_trade_no: str
    trade_no: str
    paid: bool  # the money was taken (and not, or not yet, refunded)
    status: str  # the gateway's own word for the state, for the record
    total_amount: str  # as the gateway wrote it; judged by the store
    app_id: str = ""  # empty: not in the message
    seller_id: str = ""
    paid_at: datetime | None = None


class CloseResult(StrEnum):
    CLOSED = "closed"  # nobody can pay it any more
    NO_TRADE = "no_trade"  # the buyer never reached the cashier: nothing to close
    ALREADY_PAID = "already_paid"  # paid meanwhile: ask again and settle it
    REFUSED = "refused"  # another answer: try again later


@dataclass(frozen=True)
class RefundAnswer:
    succeeded: bool
    detail: str = ""  # the gateway's reason when it refused
    raw: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RefundReport:
    """What a verified refund notify says about one refund."""

    out_trade_no: str
    out_request_no: str
    succeeded: bool  # the money went back
    status: str  # the gateway's own word, for the record


class PaymentRefused(Exception):
    """The gateway will not take payment for this trade (creating it was refused)."""

    class Reason(StrEnum):
        PAID = "paid"  # already paid there: ask and settle it
        CLOSED = "closed"  # closed there: nobody can pay it any more
        OTHER = "other"

    def __init__(self, reason: Reason, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


@dataclass(frozen=True)
class QueryAnswer:
    raw: dict  # stored as the gateway message
    trade: TradeReport | None  # None: the gateway has no such trade
    detail: str = ""


class Gateway(Protocol):
    kind: GatewayKind
    app_id: str
    seller_id: str
    # True when pay_url creates the trade at the gateway (a network call): the store then
    # records the attempt before asking, so cancel and the sweep close it whatever happens.
    creates_trade_remotely: bool

    def pay_url(
        self, *, out_trade_no: str, subject: str, amount: Decimal, deadline: datetime,
        client_ip: str = "",
    ) -> str:  # fmt: skip
        """Where to send the buyer to pay; payable until `deadline`. With `client_ip` (a phone
        browser) the gateway's mobile page where it has one. PaymentRefused, or
        GatewayUnavailable when it must ask the gateway and gets no answer."""

    def verify(self, params: dict) -> bool:
        """Is this return redirect or notify signed by the gateway?"""

    def report(self, params: dict) -> TradeReport:
        """The trade a verified return redirect or notify is about."""

    def stored(self, params: dict) -> dict:
        """What to keep of a message as received (plus what only the store can read of it,
        such as an encrypted notify's content)."""

    def query(self, out_trade_no: str) -> QueryAnswer: ...

    def close(self, out_trade_no: str) -> CloseResult: ...

    def refund(
        self, *, out_trade_no: str, amount: Decimal, out_request_no: str, reason: str
    ) -> RefundAnswer:
        """The same out_request_no is the same refund: asking again never refunds twice."""


def gateway_for(kind: str = GatewayKind.ALIPAY) -> Gateway:
    """The configured gateway of that kind (one client per process)."""
    if kind == GatewayKind.ALIPAY:
        from luffy.payments.alipay import AlipayGateway

        return AlipayGateway()
    if kind == GatewayKind.WECHAT:
        from luffy.payments.wechatpay import WechatPayGateway

        return WechatPayGateway()
    raise ValueError(f"no such payment gateway: {kind!r}")
