"""Refunds: asked of the gateway outside any transaction, each claimed so that two callers
never ask twice at once."""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.common.errors import Conflict, NotFound, ValidationFailed
from luffy.common.logs import event
from luffy.common.money import money
from luffy.orders import services as orders
from luffy.orders.models import Order
from luffy.orders.services.locks import lock_order as lock_order_row
from luffy.payments.gateway import (
    GatewayKind,
    GatewayUnavailable,
    gateway_for,
)
from luffy.payments.models import Refund
from luffy.payments.services.pay import order_paid_gateway

S = Order.Status
logger = logging.getLogger(__name__)


def refund_send(*, refund: Refund) -> bool:
    """Ask the gateway for a recorded refund that has not succeeded yet, unless another path is
    asking right now (a claim on the row, lapsing after REFUND_RETRY_AFTER seconds): the same
    refund is never requested twice at once. True if this call got the gateway's answer;
    `refund` is updated in place either way."""
    if not _refund_claim(refund_id=refund.id):
        refund.refresh_from_db()
        return False
    return _refund_ask(refund=refund)


def _refund_claim(*, refund_id: int) -> bool:
    """Claim a refund that has not succeeded for asking the gateway now: a conditional UPDATE,
    so of two callers only one wins; a claim lapses after REFUND_RETRY_AFTER seconds (a caller
    that died mid-request)."""
    now = timezone.now()
    lapsed = now - timedelta(seconds=settings.REFUND_RETRY_AFTER)
    return bool(
        Refund.objects.filter(id=refund_id)
        .exclude(status=Refund.Status.SUCCEEDED)
        .filter(Q(attempted_at__isnull=True) | Q(attempted_at__lt=lapsed))
        .update(attempted_at=now)
    )


def _refund_ask(*, refund: Refund) -> bool:
    """Ask the gateway for a refund this caller has claimed, and record its answer. Outside any
    transaction: the gateway's time is never spent holding a lock."""
    try:
        answer = gateway_for(refund.gateway).refund(
            out_trade_no=refund.order.order_number,
            amount=refund.amount,
            out_request_no=refund.out_request_no,
            reason=refund.reason,
        )
    except GatewayUnavailable:
        logger.warning("refund %s: gateway unavailable, will retry", refund.out_request_no)
        Refund.objects.filter(id=refund.id).update(attempted_at=None)  # the next path may ask
        refund.refresh_from_db()
        return False
    if answer.succeeded:
        refund_record_succeeded(refund=refund, response=answer.raw)
    else:  # never over a success another path (the refund's notify) recorded meanwhile
        Refund.objects.filter(id=refund.id).exclude(status=Refund.Status.SUCCEEDED).update(
            status=Refund.Status.FAILED, response=answer.raw, attempted_at=None,
            updated_at=timezone.now(),
        )  # fmt: skip
    refund.refresh_from_db()
    level = logging.INFO if answer.succeeded else logging.WARNING
    event("payment.refund", order_number=refund.order.order_number,
          user_id=refund.order.user_id, refund=refund.out_request_no, amount=refund.amount,
          status=refund.status, level=level)  # fmt: skip
    return True


def refund_record_succeeded(*, refund: Refund, response: dict | None = None) -> bool:
    """Record that the gateway confirmed `refund`, whichever path heard it first (the refund
    call's answer, the refund's notify, a query): the refund's status and the order's refunded
    total move together, once. False if it was already recorded."""
    now = timezone.now()
    fields = {"status": Refund.Status.SUCCEEDED, "attempted_at": None, "updated_at": now}
    if response is not None:
        fields["response"] = response
    with transaction.atomic():
        marked = (
            Refund.objects.filter(id=refund.id)
            .exclude(status=Refund.Status.SUCCEEDED)
            .update(**fields)
        )
        if marked:
            orders.order_record_refund(order_id=refund.order_id, amount=refund.amount, at=now)
    return bool(marked)


def order_refund(
    *,
    order_id: int,
    amount: Decimal | None = None,
    reason: str,
    staff_user_id: int | None = None,
) -> Refund:
    """Refund a paid order through the gateway, fully (default) or partly. A full refund marks
    the order refunded, ends the access it granted and gives back the credit it spent.
    `staff_user_id`: who asked (the admin), recorded on the refund and the status change.

    One refund of an order is in flight at a time: under the order's row lock (on SQLite, the
    IMMEDIATE transaction) the amount left is read, the refund recorded and claimed, so two
    staff members pressing 退款 together never both spend the same money and neither is told
    of the other's refund as theirs; the second is told to wait (refund_in_progress). An
    earlier request whose answer never came (gateway down) is retried as the same refund."""
    with transaction.atomic():
        try:
            order = lock_order_row(order_id)
        except Order.DoesNotExist:
            raise NotFound(_("No such order."), code="order_not_found") from None
        if order.status != S.PAID:
            raise Conflict(
                _("Only paid orders can be refunded; this one is %(status)s.")
                % {"status": order.get_status_display()},
                code="order_not_paid",
            )
        refund = order.refunds.filter(status=Refund.Status.REQUESTED).order_by("id").first()
        only_status_behind = refund is None and order.refunded_amount >= order.real_price
        if only_status_behind:
            # Every refund was confirmed already (one by its notify, its answer lost): nothing
            # to ask the gateway; the order is marked refunded below.
            refund = order.refunds.filter(status=Refund.Status.SUCCEEDED).latest("id")
        elif refund is None:
            refund = _refund_record(
                order=order, amount=amount, reason=reason, staff_user_id=staff_user_id
            )
        elif not _refund_claim(refund_id=refund.id):
            raise Conflict(
                _("Another refund of this order (%(amount)s) is being processed; reload the "
                  "page in a moment.") % {"amount": f"{refund.amount:.2f}"},
                code="refund_in_progress",
            )  # fmt: skip
    if not only_status_behind:
        _refund_ask(refund=refund)
    if refund.status == Refund.Status.REQUESTED:
        raise GatewayUnavailable(
            _("The gateway did not answer; the refund was recorded and can be retried.")
        )
    if refund.status == Refund.Status.FAILED:
        response = refund.response or {}
        # The gateway's own reason, as its answer was stored: Alipay's sub_msg / msg, WeChat
        # Pay's message.
        detail = response.get("sub_msg") or response.get("msg") or response.get("message", "")
        raise Conflict(
            _("The gateway refused the refund: %(detail)s") % {"detail": detail},
            code="refund_refused",
        )
    refunded = Order.objects.filter(id=order.id).values_list("refunded_amount", flat=True).get()
    if refunded >= order.real_price:
        orders.order_record_refunded(
            order_id=order.id,
            reason=refund.reason,
            staff_user_id=staff_user_id or refund.staff_user_id,
        )
    return refund


def _refund_record(
    *, order: Order, amount: Decimal | None, reason: str, staff_user_id: int | None
) -> Refund:
    """A new refund of a locked paid order with no refund in flight, recorded already claimed
    (so no other path asks the gateway for it before this caller does). What is left to refund
    is the price minus the confirmed refunds (Order.refunded_amount)."""
    left = order.real_price - order.refunded_amount
    amount = left if amount is None else money(amount)
    if amount <= 0 or amount > left:
        raise ValidationFailed(
            _("The refund must be more than 0 and at most %(most)s.") % {"most": f"{left:.2f}"},
            code="refund_amount",
            field="amount",
        )
    number = order.refunds.count() + 1  # unique: the order's row lock is held
    return Refund.objects.create(
        out_request_no=f"{order.order_number}R{number}",
        order=order,
        amount=amount,
        reason=reason,
        gateway=order_paid_gateway(order) or GatewayKind.ALIPAY,
        staff_user_id=staff_user_id,
        attempted_at=timezone.now(),
    )
