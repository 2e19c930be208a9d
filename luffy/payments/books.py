"""The books check: do orders, settlements, purchase records, coupons, the credit ledger and
the gateway's trades agree? A read-only selector; `manage.py check_books` and the test helper
`tests.books.assert_books_balanced` call it.

Every check is set-based: one query each, whatever the number of orders (pinned by a test).

Credit: the model's default balance is 0 and every change goes through
`users.credits.credit_change` (or the sweep's bulk equivalent), each writing a `CreditEntry`,
so a balance must equal the sum of its ledger. There is no other way to give credit in the
store (the admin shows it read-only); a balance set directly in the database without a ledger
row (as some unit tests do) is reported, correctly, as a ledger mismatch."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db.models import (
    Count,
    DecimalField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from luffy.access.models import CoursePurchase
from luffy.coupons.models import UserCoupon
from luffy.orders.models import Order, OrderLine, OrderStatusChange
from luffy.payments.models import PaymentMessage, Refund, Trade
from luffy.users.models import CreditEntry, User

S = Order.Status
LATE_FROM = (S.CANCELLED, S.TIMED_OUT)
# Outcomes of payment_confirm after which the store holds the buyer's money for the order.
SETTLED_OUTCOMES = ("settled", "late_settled")
# payments.services.confirm.late_refund_number: out_request_no = number + LATE
LATE_REFUND_SUFFIX = "LATE"


class AnomalyKind(enum.StrEnum):
    SETTLEMENTS = "settlements"  # a paid order not settled exactly once
    MISSING_PURCHASE = "missing_purchase"  # a paid order's line without a purchase record
    SETTLED_AND_REFUNDED = "settled_and_refunded"  # late path: both settled and refunded
    COUPON_SHARED = "coupon_shared"  # one coupon used by more than one order
    COUPON_STATE = "coupon_state"  # a coupon's status disagrees with its order's
    CREDIT_LEDGER = "credit_ledger"  # a credit balance differs from its ledger
    ORDER_CREDIT = "order_credit"  # what an order's ledger rows spent disagrees with its status
    TRADE_MISMATCH = "trade_mismatch"  # a trade settled here without a paid order of that amount
    REFUNDED_TOTAL = "refunded_total"  # an order's refunded total is not its confirmed refunds


@dataclass(frozen=True)
class Anomaly:
    kind: AnomalyKind
    order_number: str  # "" when the anomaly is not about one order (a user's ledger)
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.order_number or '-'}: {self.detail}"


def books_check() -> list[Anomaly]:
    """Every disagreement found, ordered by kind then order number; [] when the books balance."""
    anomalies: list[Anomaly] = []
    for check in CHECKS:
        anomalies.extend(check())
    return sorted(anomalies, key=lambda a: (a.kind, a.order_number, a.detail))


def _into_paid_count() -> Count:
    return Count("status_changes", filter=Q(status_changes__to_status=S.PAID))


def _settlements() -> list[Anomaly]:
    """A paid order moved into paid exactly once; no order more than once."""
    rows = (
        Order.objects.annotate(settlements=_into_paid_count())
        .filter(Q(status=S.PAID) & ~Q(settlements=1) | Q(settlements__gt=1))
        .values_list("order_number", "status", "settlements")
    )
    return [
        Anomaly(
            AnomalyKind.SETTLEMENTS,
            number,
            _("status %(status)s, moved into paid %(n)s times (paid orders: exactly once)")
            % {"status": S(status).label, "n": n},
        )
        for number, status, n in rows
    ]


def _missing_purchases() -> list[Anomaly]:
    """Each line of a paid order has the buyer's purchase record for its course (the record
    is per user and course: it may point at a later order that extended it)."""
    record = CoursePurchase.objects.filter(
        user_id=OuterRef("order__user_id"), course_id=OuterRef("course_id")
    )
    rows = (
        OrderLine.objects.filter(order__status=S.PAID)
        .exclude(Exists(record))
        .values_list("order__order_number", "course_id")
        .order_by("order__order_number", "course_id")
    )
    return [
        Anomaly(
            AnomalyKind.MISSING_PURCHASE,
            number,
            _("no purchase record for course %(course)s") % {"course": course_id},
        )
        for number, course_id in rows
    ]


def _settled_and_refunded() -> list[Anomaly]:
    """A late payment is either settled or refunded, never both: no order with a succeeded
    late refund that is still paid, and no history with a late settlement and a late refund."""
    late_refund = Refund.objects.filter(
        order_id=OuterRef("id"),
        status=Refund.Status.SUCCEEDED,
        out_request_no__endswith=LATE_REFUND_SUFFIX,
    )
    late_settled = OrderStatusChange.objects.filter(
        order_id=OuterRef("id"), from_status__in=LATE_FROM, to_status=S.PAID
    )
    late_refunded = OrderStatusChange.objects.filter(
        order_id=OuterRef("id"), from_status__in=LATE_FROM, to_status=S.REFUNDED
    )
    rows = (
        Order.objects.annotate(
            late_refund=Exists(late_refund),
            late_settled=Exists(late_settled),
            late_refunded=Exists(late_refunded),
        )
        .filter(
            Q(late_refund=True, status=S.PAID)
            | Q(late_refund=True, late_settled=True)
            | Q(late_settled=True, late_refunded=True)
        )
        .values_list("order_number", "status", "late_refund", "late_settled", "late_refunded")
    )
    return [
        Anomaly(
            AnomalyKind.SETTLED_AND_REFUNDED,
            number,
            _(
                "status %(status)s; late refund succeeded: %(refund)s, settled late: "
                "%(settled)s, marked refunded late: %(refunded)s"
            )
            % {"status": S(status).label, "refund": r, "settled": s, "refunded": m},
        )
        for number, status, r, s, m in rows
    ]


def _coupons_shared() -> list[Anomaly]:
    """A coupon spent (paid or refunded order) by at most one order."""
    rows = (
        Order.objects.filter(status__in=(S.PAID, S.REFUNDED), user_coupon__isnull=False)
        .values("user_coupon_id")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
        .values_list("user_coupon_id", "n")
    )
    return [
        Anomaly(
            AnomalyKind.COUPON_SHARED,
            "",
            _("coupon %(coupon)s spent by %(n)s orders") % {"coupon": coupon_id, "n": n},
        )
        for coupon_id, n in rows
    ]


def _coupon_states() -> list[Anomaly]:
    """A USED coupon belongs to a paid or refunded order that names it, a RESERVED one to an
    unpaid order that names it; a paid order's coupon is USED by it; an unpaid order's is
    RESERVED by it; a cancelled, timed-out or refunded order reserves none."""
    coupons = UserCoupon.objects.filter(
        Q(status=UserCoupon.Status.USED)
        & (~Q(order__status__in=(S.PAID, S.REFUNDED)) | ~Q(order__user_coupon_id=F("id")))
        | Q(status=UserCoupon.Status.RESERVED)
        & (~Q(order__status=S.UNPAID) | ~Q(order__user_coupon_id=F("id")))
    ).values_list("order__order_number", "id", "status", "order__status")
    anomalies = [
        Anomaly(
            AnomalyKind.COUPON_STATE,
            number or "",
            _("coupon %(coupon)s is %(state)s but its order is %(order)s")
            % {
                "coupon": coupon_id,
                "state": UserCoupon.Status(state).label,
                "order": S(order_status).label if order_status is not None else "-",
            },
        )
        for number, coupon_id, state, order_status in coupons
    ]
    expected = {S.PAID: UserCoupon.Status.USED, S.UNPAID: UserCoupon.Status.RESERVED}
    orders = (
        Order.objects.filter(user_coupon__isnull=False)
        .filter(
            Q(status=S.PAID)
            & (~Q(user_coupon__status=UserCoupon.Status.USED) | ~Q(user_coupon__order_id=F("id")))
            # refunded by staff: still used by it; refunded late: never re-reserved by it
            | Q(status=S.REFUNDED)
            & Q(user_coupon__status=UserCoupon.Status.RESERVED, user_coupon__order_id=F("id"))
            | Q(status=S.UNPAID)
            & (
                ~Q(user_coupon__status=UserCoupon.Status.RESERVED)
                | ~Q(user_coupon__order_id=F("id"))
            )
            | Q(status__in=LATE_FROM, user_coupon__order_id=F("id"))
        )
        .values_list("order_number", "status", "user_coupon_id", "user_coupon__status")
    )
    for number, status, coupon_id, coupon_status in orders:
        want = expected.get(status)
        anomalies.append(
            Anomaly(
                AnomalyKind.COUPON_STATE,
                number,
                _("%(status)s order; its coupon %(coupon)s is %(state)s (expected %(want)s)")
                % {
                    "status": S(status).label,
                    "coupon": coupon_id,
                    "state": UserCoupon.Status(coupon_status).label,
                    "want": want.label if want is not None else _("released"),
                },
            )
        )
    return anomalies


def _credit_ledgers() -> list[Anomaly]:
    """Every balance is the sum of its ledger rows, and the latest row's balance_after."""
    entries = CreditEntry.objects.filter(user_id=OuterRef("id"))
    total = entries.order_by().values("user_id").annotate(s=Sum("amount")).values("s")
    last = entries.order_by("-id").values("balance_after")[:1]
    rows = (
        User.objects.annotate(
            ledger=Coalesce(Subquery(total, output_field=IntegerField()), Value(0)),
            last=Subquery(last, output_field=IntegerField()),
        )
        .filter(~Q(credit=F("ledger")) | Q(last__isnull=False) & ~Q(last=F("credit")))
        .values_list("id", "credit", "ledger", "last")
    )
    return [
        Anomaly(
            AnomalyKind.CREDIT_LEDGER,
            "",
            _(
                "user %(user)s has %(credit)s points; the ledger adds up to %(ledger)s, "
                "its latest row says %(last)s"
            )
            % {"user": user_id, "credit": credit, "ledger": ledger, "last": last},
        )
        for user_id, credit, ledger, last in rows
    ]


def _order_credit() -> list[Anomaly]:
    """The ledger rows of an order holding credit net to -credit while it is unpaid or paid
    (reserved, or spent), and to 0 once cancelled, timed out or refunded (given back)."""
    spent = (
        CreditEntry.objects.filter(order_id=OuterRef("id"))
        .order_by()
        .values("order_id")
        .annotate(s=Sum("amount"))
        .values("s")
    )
    rows = (
        Order.objects.filter(credit__gt=0)
        .annotate(net=Coalesce(Subquery(spent, output_field=IntegerField()), Value(0)))
        .filter(
            Q(status__in=(S.UNPAID, S.PAID)) & ~Q(credit=-F("net"))  # credit is unsigned
            | Q(status__in=(S.CANCELLED, S.TIMED_OUT, S.REFUNDED)) & ~Q(net=0)
        )
        .values_list("order_number", "status", "credit", "net")
    )
    return [
        Anomaly(
            AnomalyKind.ORDER_CREDIT,
            number,
            _("%(status)s order of %(credit)s points; its ledger rows net %(net)s")
            % {"status": S(status).label, "credit": credit, "net": net},
        )
        for number, status, credit, net in rows
    ]


def _trades() -> list[Anomaly]:
    """Every verified gateway message that settled a trade names a paid or refunded order of
    the same amount and trade number (its paid Trade's); an order with a paid Trade is paid or
    refunded."""
    order = Order.objects.filter(order_number=OuterRef("out_trade_no"))
    paid_trade = Trade.objects.filter(
        order__order_number=OuterRef("out_trade_no"), trade_no__isnull=False
    )
    rows = (
        PaymentMessage.objects.filter(verified=True, outcome__in=SETTLED_OUTCOMES)
        .annotate(
            order_status=Subquery(order.values("status")[:1]),
            order_price=Subquery(order.values("real_price")[:1]),
            order_trade_no=Subquery(paid_trade.values("trade_no")[:1]),
        )
        .values_list(
            "out_trade_no",
            "raw__total_amount",
            "raw__trade_no",
            # WeChat Pay: amounts in fen; a query answer is the transaction, a notify keeps its
            # decrypted transaction under "resource".
            "raw__amount__total",
            "raw__transaction_id",
            "raw__resource__amount__total",
            "raw__resource__transaction_id",
            "order_status",
            "order_price",
            "order_trade_no",
        )
    )
    anomalies = []
    for row in rows:
        number, amount, trade_no, fen, wx_id, notify_fen, notify_wx_id = row[:7]
        status, price, order_trade_no = row[7:]
        if amount is None and (fen is not None or notify_fen is not None):
            fen = fen if fen is not None else notify_fen
            amount = f"{Decimal(fen) / 100:.2f}" if isinstance(fen, int) else fen
            trade_no = wx_id if wx_id is not None else notify_wx_id
        try:
            paid = Decimal(str(amount))
        except (InvalidOperation, ValueError):
            paid = None
        problems = []
        if status not in (S.PAID, S.REFUNDED):
            problems.append(_("the order is %(s)s") % {"s": S(status).label if status else "-"})
        if price is None or paid != Decimal(price):
            problems.append(
                _("paid %(paid)s, order is %(price)s") % {"paid": amount, "price": price}
            )
        trade_no = "" if trade_no is None else str(trade_no)  # JSON values come back typed
        if trade_no and order_trade_no and trade_no != order_trade_no:
            problems.append(
                _("trade %(t)s, order names %(o)s") % {"t": trade_no, "o": order_trade_no}
            )
        if problems:
            anomalies.append(Anomaly(AnomalyKind.TRADE_MISMATCH, number, "; ".join(problems)))
    unpaid = Trade.objects.filter(trade_no__isnull=False).exclude(
        order__status__in=(S.PAID, S.REFUNDED)
    )
    for number, status, trade_no in unpaid.values_list(
        "order__order_number", "order__status", "trade_no"
    ):
        anomalies.append(
            Anomaly(
                AnomalyKind.TRADE_MISMATCH,
                number,
                _("names trade %(t)s but is %(s)s") % {"t": trade_no, "s": S(status).label},
            )
        )
    return anomalies


def _refunded_totals() -> list[Anomaly]:
    """What an order shows as refunded (Order.refunded_amount, 已退款 on my orders) is the sum
    of its refunds the gateway confirmed. Only orders with either are looked at."""
    succeeded = Refund.objects.filter(order=OuterRef("pk"), status=Refund.Status.SUCCEEDED)
    confirmed = succeeded.values("order").annotate(total=Sum("amount")).values("total")
    rows = (
        Order.objects.filter(Q(refunded_amount__gt=0) | Exists(succeeded))
        .annotate(
            confirmed=Coalesce(
                Subquery(confirmed, output_field=DecimalField(max_digits=12, decimal_places=2)),
                Value(Decimal(0)),
                output_field=DecimalField(max_digits=12, decimal_places=2),
            )
        )
        .exclude(refunded_amount=F("confirmed"))
        .values_list("order_number", "refunded_amount", "confirmed")
    )
    return [
        Anomaly(
            AnomalyKind.REFUNDED_TOTAL,
            number,
            _("shows %(shown)s refunded, the gateway confirmed %(confirmed)s")
            % {"shown": f"{shown:.2f}", "confirmed": f"{Decimal(total):.2f}"},
        )
        for number, shown, total in rows
    ]


CHECKS = (
    _settlements,
    _missing_purchases,
    _settled_and_refunded,
    _coupons_shared,
    _coupon_states,
    _credit_ledgers,
    _order_credit,
    _trades,
    _refunded_totals,
)
# One gateway trade on two orders needs no check: Trade.trade_no is unique in the database.
