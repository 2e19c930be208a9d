"""Gateway messages stored as received and judged: the outcomes a message can get."""

from __future__ import annotations

import logging
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext_lazy

from luffy.common.logs import event
from luffy.payments.intake import capped_message
from luffy.payments.models import PaymentMessage


def message_record(
    *,
    source: str,
    data: dict,
    out_trade_no: str = "",
    verified: bool | None = None,
    outcome: str = "",
    detail: str = "",
    flagged: bool = False,
) -> PaymentMessage:
    """Store a gateway message as received, before acting on it (autocommit: it survives a
    failure while processing), with whether its signature checked out. With `outcome`: a
    verdict reached before anything was acted on (a return redirect judged from reads alone),
    stored with the message in the same statement."""
    raw = capped_message(data)  # at most a few KB, whatever was posted
    message = PaymentMessage.objects.create(
        source=source,
        out_trade_no=(out_trade_no or str(raw.get("out_trade_no", "")))[:64],
        notify_id=str(raw.get("notify_id", ""))[:128],
        raw=raw,
        verified=verified,
        outcome=outcome,
        detail=detail[:255],
        flagged=flagged,
        judged_at=timezone.now() if outcome else None,
    )
    event("payment.message_received", order_number=message.out_trade_no, user_id=None,
          source=message.source, message=message.id, verified=verified)  # fmt: skip
    if outcome:
        _verdict_logged(message)
    return message


def judge(message: PaymentMessage, outcome: str, detail: str = "", *, flagged=False) -> str:
    PaymentMessage.objects.filter(id=message.id).update(
        outcome=outcome, detail=detail[:255], flagged=flagged, judged_at=timezone.now()
    )
    message.outcome, message.detail, message.flagged = outcome, detail[:255], flagged
    _verdict_logged(message)
    return outcome


def _verdict_logged(message: PaymentMessage) -> None:
    event(
        "payment.flagged" if message.flagged else "payment.verdict",
        order_number=message.out_trade_no, user_id=None, source=message.source,
        message=message.id, outcome=message.outcome, detail=message.detail or "-",
        level=logging.WARNING if message.flagged else logging.INFO,
    )  # fmt: skip


class Outcome(StrEnum):
    """The verdict on a gateway message (PaymentMessage.outcome)."""

    SETTLED = "settled"
    LATE_SETTLED = "late_settled"
    ALREADY_PAID = "already_paid"
    REFUNDED = "refunded"  # a late payment's refund succeeded with this message
    REFUND_PENDING = "refund_pending"  # decided, the gateway has not confirmed it yet
    ALREADY_REFUNDED = "already_refunded"
    NOT_PAID = "not_paid"
    NO_TRADE = "no_trade"
    QUERIED = "queried"
    UNKNOWN_ORDER = "unknown_order"
    WRONG_APP = "wrong_app"
    WRONG_SELLER = "wrong_seller"
    WRONG_AMOUNT = "wrong_amount"
    PAID_TWICE = "paid_twice"
    TRADE_REUSED = "trade_reused"  # a trade number that already settled another order
    BAD_SIGNATURE = "bad_signature"
    UNKNOWN_REFUND = "unknown_refund"  # a refund notify for no refund of ours
    REFUND_FAILED = "refund_failed"  # the gateway says a refund did not go through


# What the admin shows for each outcome.
OUTCOME_LABELS: dict[str, str] = {
    Outcome.SETTLED: gettext_lazy("settled"),
    Outcome.LATE_SETTLED: gettext_lazy("late payment settled"),
    Outcome.ALREADY_PAID: gettext_lazy("already paid"),
    Outcome.REFUNDED: gettext_lazy("late payment refunded"),
    Outcome.REFUND_PENDING: gettext_lazy("refund pending"),
    Outcome.ALREADY_REFUNDED: gettext_lazy("already refunded"),
    Outcome.NOT_PAID: gettext_lazy("not paid"),
    Outcome.NO_TRADE: gettext_lazy("no such trade"),
    Outcome.QUERIED: gettext_lazy("queried"),
    Outcome.UNKNOWN_ORDER: gettext_lazy("unknown order"),
    Outcome.WRONG_APP: gettext_lazy("wrong app id"),
    Outcome.WRONG_SELLER: gettext_lazy("wrong seller"),
    Outcome.WRONG_AMOUNT: gettext_lazy("wrong amount"),
    Outcome.PAID_TWICE: gettext_lazy("paid twice"),
    Outcome.TRADE_REUSED: gettext_lazy("trade number reused"),
    Outcome.BAD_SIGNATURE: gettext_lazy("bad signature"),
}

# Outcomes after which the gateway should send the message again (we could not finish).
RETRY = {Outcome.REFUND_PENDING}


FLAGGED = {
    Outcome.UNKNOWN_REFUND,
    Outcome.REFUND_FAILED,
    Outcome.WRONG_AMOUNT,
    Outcome.WRONG_APP,
    Outcome.WRONG_SELLER,
    Outcome.PAID_TWICE,
    Outcome.TRADE_REUSED,
}


# Outcomes that mean the order is paid (or was just settled) by this trade.
PAID_OUTCOMES = {Outcome.SETTLED, Outcome.LATE_SETTLED, Outcome.ALREADY_PAID}
