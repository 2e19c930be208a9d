"""Recording a payment: an unpaid order settled (`order_record_paid`), or money that arrived
for a cancelled or timed-out order decided once (`order_record_late_payment`). Payments are
confirmed from gateway messages by `payments.services.confirm.payment_confirm`."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.access.services import access_grant
from luffy.catalog.models import Course
from luffy.common.errors import Conflict, NotFound
from luffy.common.logs import event_on_commit
from luffy.coupons.services import (
    user_coupon_reserve,
    user_coupons_consume,
)
from luffy.orders.models import Order
from luffy.orders.services.locks import Grant, lock_order, lock_user, lock_user_reading_grants
from luffy.orders.services.transitions import TRANSITIONS, order_transition
from luffy.users.credits import credit_change
from luffy.users.models import CreditEntry

S = Order.Status


def settle_locked(
    order: Order,
    *,
    paid_at: datetime,
    from_status: int = S.UNPAID,
    reason: str = "",
    grants: list[Grant] | None = None,
) -> bool:
    """-> paid, coupon used, access granted. Caller holds the user lock; `grants` when it read
    them with it (`lock_user_reading_grants`). The gateway's trade number is not the order's
    business: payments records it on its Trade, in the same transaction
    (`payments.services.pay.trade_record_paid`).
    `paid_at` never precedes the order's creation: the gateway's time has whole seconds, so a
    payment within the second the order was made would otherwise read as before it (the
    gateway's own time stays in the stored message, PaymentMessage.raw)."""
    paid_at = max(paid_at, order.created_at)
    if not order_transition(
        order_id=order.id,
        from_status=from_status,
        to_status=S.PAID,
        reason=reason,
        paid_at=paid_at,
    ):
        return False
    order.status, order.paid_at = S.PAID, paid_at  # what the row now holds, for the caller
    if order.user_coupon_id is not None:  # only an order with a coupon reserved one
        user_coupons_consume(order_ids=[order.id], at=paid_at)
    _grant_access(
        order,
        paid_at,
        grants if grants is not None else lock_user_reading_grants(order, user_locked=True),
    )
    event_on_commit(
        "order.settled", order_number=order.order_number, user_id=order.user_id,
        paid_at=paid_at.isoformat(timespec="seconds"),
        reason=reason or "paid",
    )  # fmt: skip
    return True


def _grant_access(order: Order, now: datetime, grants: list[Grant]) -> None:
    # Before the purchase records are inserted: see lock_courses.
    Course.objects.filter(id__in=[grant.course_id for grant in grants]).update(
        students=F("students") + 1
    )
    access_grant(
        user_id=order.user_id,
        order_id=order.id,
        lines=[(grant.course_id, grant.days) for grant in grants],
        held={
            grant.course_id: (grant.record_id, grant.record_expires_at)
            for grant in grants
            if grant.record_id is not None
        },
        at=now,
    )


def _order_for_settlement(order_number: str) -> Order:
    order = (
        Order.objects.filter(order_number=order_number)
        .only("id", "user_id", "order_number", "created_at", "user_coupon_id")
        .first()
    )
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    return order


def order_record_paid(
    *,
    order_number: str,
    paid_at: datetime | None = None,
    order: Order | None = None,
) -> bool:
    """Record the payment of an unpaid order: -> paid, coupon used, access granted. True if
    this call recorded it; False if it was not unpaid any more (a second call changes nothing).
    A caller that already read the order passes it (its status is re-checked under lock).
    Payments are confirmed by `payments.services.payment_confirm`, which checks the gateway's
    message (app, seller, amount) first."""
    if order is None or order.order_number != order_number:
        order = _order_for_settlement(order_number)
    # No savepoint in a caller's transaction (payments settles and records its Trade in one):
    # nothing here is undone on its own, and each savepoint is two more round trips.
    with transaction.atomic(savepoint=False):
        grants = lock_user_reading_grants(order)
        return settle_locked(order, paid_at=paid_at or timezone.now(), grants=grants)


class _CannotReserve(Exception):
    pass


class LateDecision(StrEnum):
    """What happened to money that arrived for an order no longer unpaid."""

    SETTLED = "late_settled"  # this call settled it: coupon and credit reserved again
    REFUND = "refund"  # this call decided the money goes back (coupon or credit gone)
    ALREADY_PAID = "already_paid"  # settled before, by another path
    ALREADY_REFUNDED = "already_refunded"  # a refund was decided before (late path or staff)


def order_record_late_payment(
    *, order_number: str, paid_at: datetime | None = None
) -> LateDecision:
    """Money arrived for a cancelled or timed-out order: settle it if its coupon and credit can
    be reserved again, otherwise record that it is to be refunded (-> refunded, nothing
    granted); the caller then asks the gateway for the refund.

    Decided once, under the user's and the order's locks, by conditional transitions out of
    cancelled / timed out: whichever path decides first wins, and every other path reads its
    decision. Settled and refunded exclude each other for ever (no transition leaves either).
    A caller that must record more with the decision (the refund request) wraps this call in
    its own transaction, which keeps the locks until it commits."""
    order = _order_for_settlement(order_number)
    paid_at = paid_at or timezone.now()
    with transaction.atomic():
        lock_user(order.user_id)
        order = lock_order(order.id)
        if order.status == S.PAID:
            return LateDecision.ALREADY_PAID
        if order.status == S.REFUNDED:
            return LateDecision.ALREADY_REFUNDED
        if order.status not in (S.CANCELLED, S.TIMED_OUT):
            raise ValueError(f"order {order_number} is unpaid: settle it with order_record_paid")
        try:
            with transaction.atomic():  # a savepoint: undo a half re-reservation
                _reserve_again(order, paid_at)
                settled = settle_locked(order, paid_at=paid_at, from_status=order.status)
        except _CannotReserve:
            settled = False
        if settled:
            return LateDecision.SETTLED
        if not order_transition(
            order_id=order.id,
            from_status=order.status,
            to_status=S.REFUNDED,
            reason=TRANSITIONS[(order.status, S.REFUNDED)],
        ):  # unreachable under the locks; never guess
            raise Conflict(_("The order changed while its late payment was decided."))
        event_on_commit(
            "order.late_payment_to_refund", order_number=order_number, user_id=order.user_id
        )
        return LateDecision.REFUND


def _reserve_again(order: Order, now: datetime) -> None:
    if order.user_coupon_id and not user_coupon_reserve(
        user_coupon_id=order.user_coupon_id, order_id=order.id, at=now
    ):
        raise _CannotReserve
    if order.credit:
        try:
            credit_change(
                user_id=order.user_id,
                amount=-order.credit,
                reason=CreditEntry.Reason.ORDER_RESERVE,
                order=order,
                note="late payment",
            )
        except Conflict as exc:
            raise _CannotReserve from exc
