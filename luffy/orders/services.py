"""Order writes: checkout (`order_create`), the one table of status transitions, and the
functions that record a payment, a late payment, a cancellation, a timeout or a refund
(`order_record_*`, `orders_record_timed_out`). Those do not talk to the gateway: the use cases
that must ask it first (settle from a gateway message, cancel, expire, refund) are in
`payments.services` (`payment_confirm`, `order_cancel`, `orders_expire`, `order_refund`).

Locks are taken in one order everywhere: the user row, then the order row, then coupons and
purchase records. Every status change is a conditional UPDATE (WHERE status = expected) plus an
audit row, so it is also correct on SQLite, where row locks do nothing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext as _

from luffy.access.selectors import active_access
from luffy.access.services import access_grant, access_revoke
from luffy.cart.selectors import cart_selected_items
from luffy.cart.services import cart_remove_lines
from luffy.catalog.models import Course
from luffy.catalog.selectors import course_offers
from luffy.common.errors import Conflict, NotFound, ValidationFailed
from luffy.common.i18n import list_words
from luffy.common.logs import event, event_on_commit
from luffy.common.money import MAX_MONEY, ZERO, credit_to_money, money
from luffy.coupons.models import UserCoupon
from luffy.coupons.selectors import coupon_problem, coupon_rule
from luffy.coupons.services import (
    user_coupon_reserve,
    user_coupons_consume,
    user_coupons_release,
)
from luffy.orders.models import Order, OrderLine, OrderStatusChange
from luffy.orders.selectors import unpaid_courses
from luffy.users.credits import credit_change, credits_release
from luffy.users.models import CreditEntry, User

S = Order.Status
# The reasons are stored in English on the audit rows; gettext_noop marks them as msgids, so the
# admin's status history shows them translated.
TRANSITIONS: dict[tuple[int, int], str] = {
    (S.UNPAID, S.PAID): gettext_noop("payment confirmed"),
    (S.UNPAID, S.CANCELLED): gettext_noop("cancelled"),
    (S.UNPAID, S.TIMED_OUT): gettext_noop("not paid in time"),
    (S.PAID, S.REFUNDED): gettext_noop("refunded"),
    # Late payments (the payment issue): settled if the coupon and credit can be re-reserved,
    # otherwise refunded.
    (S.CANCELLED, S.PAID): gettext_noop("late payment settled"),
    (S.TIMED_OUT, S.PAID): gettext_noop("late payment settled"),
    (S.CANCELLED, S.REFUNDED): gettext_noop("late payment refunded"),
    (S.TIMED_OUT, S.REFUNDED): gettext_noop("late payment refunded"),
}


def order_transition(
    *, order_id: int, from_status: int, to_status: int, reason: str = "",
    staff_user_id: int | None = None, **fields,
) -> bool:  # fmt: skip
    """Move an order between two statuses if (and only if) it is still in `from_status`.
    `staff_user_id`: the staff member whose admin action caused it (audit row)."""
    if (from_status, to_status) not in TRANSITIONS:
        raise ValueError(f"no transition {from_status} -> {to_status}")
    with transaction.atomic(savepoint=False):
        changed = Order.objects.filter(id=order_id, status=from_status).update(
            status=to_status, updated_at=timezone.now(), **fields
        )
        if changed:
            OrderStatusChange.objects.create(
                order_id=order_id,
                from_status=from_status,
                to_status=to_status,
                reason=reason or TRANSITIONS[(from_status, to_status)],
                staff_user_id=staff_user_id,
            )
    return bool(changed)


def _lock_user(user_id: int) -> User:
    return User.objects.select_for_update().only("id", "credit").get(id=user_id)


def _lock_courses(course_ids: list[int]) -> None:
    """Lock course rows (in id order) before inserting rows that reference them, when the
    transaction will also update them (the students counter on settlement).

    On MySQL/MariaDB (InnoDB) inserting an OrderLine or a CoursePurchase takes a shared lock on
    the referenced course row until commit; two buyers of the same course who each hold it and
    then both UPDATE the counter deadlock. Taking the exclusive lock first makes them queue.
    On PostgreSQL FOR NO KEY UPDATE is enough and does not block other buyers' inserts."""
    no_key = connection.features.has_select_for_no_key_update
    list(
        Course.objects.select_for_update(no_key=no_key)
        .filter(id__in=course_ids)
        .order_by("id")
        .values_list("id", flat=True)
    )


# --- Checkout ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CheckoutResult:
    order: Order
    price_changed: bool


def _order_number(order: Order) -> str:
    # Time-ordered and unique by construction: the creation time (to the microsecond, so
    # numbers stay distinct even where a rolled-back database reuses ids), then the id.
    local = timezone.localtime(order.created_at)
    return f"{local:%Y%m%d%H%M%S%f}{order.pk:010d}"


def order_create(
    *,
    user_id: int,
    pay_type: int,
    coupon_id: int | None = None,
    credit: int = 0,
    expected_real_price: Decimal | None = None,
) -> CheckoutResult:
    """Turn the selected cart lines into an unpaid order, re-reading every price, coupon and
    credit balance in one transaction. Coupon and credit are reserved for the order."""
    if pay_type != Order.PayType.ALIPAY:
        raise ValidationFailed(_("payment method not supported"), code="pay_type", field="pay_type")
    items = cart_selected_items(user_id=user_id)
    if not items:
        raise ValidationFailed(
            _("Select at least one course in your cart first."), code="cart_empty"
        )
    now = timezone.now()
    with transaction.atomic():
        user = _lock_user(user_id)
        quotes = _current_quotes(user_id, items, now)
        total_price = sum((q.price for q in quotes), ZERO)
        discounted = sum((q.real_price for q in quotes), ZERO)
        if total_price > MAX_MONEY:  # nothing written yet; the gateway would refuse it too
            raise ValidationFailed(
                gettext("An order can total at most %(most)s; split it into several orders.")
                % {"most": f"{MAX_MONEY:,.2f}"},
                code="order_total_too_large",
            )

        user_coupon, coupon_amount = None, ZERO
        if coupon_id is not None:
            user_coupon = _usable_coupon(user_id, coupon_id, discounted, now)
            coupon_amount = discounted - coupon_rule(user_coupon.coupon).apply(discounted)
        left = discounted - coupon_amount
        credit_amount = _credit_amount(user, credit, left)
        real_price = max(money(left - credit_amount), ZERO)
        if real_price == ZERO:  # settled below: lock the courses before the lines point at them
            _lock_courses([q.course_id for q in quotes])

        order = Order.objects.create(
            user_id=user_id,
            title=_title(quotes),
            pay_type=pay_type,
            total_price=total_price,
            discounted_price=discounted,
            coupon_amount=coupon_amount,
            credit=credit,
            credit_amount=credit_amount,
            real_price=real_price,
            user_coupon=user_coupon,
            pay_deadline=now + settings.ORDER_PAY_TIMEOUT,
            created_at=now,
        )
        order.order_number = _order_number(order)
        Order.objects.filter(id=order.id).update(order_number=order.order_number)
        OrderLine.objects.bulk_create(
            OrderLine(
                order=order,
                course_id=q.course_id,
                course_name=q.course_name,
                expire_id=q.expire_id,
                expire_text=q.text,
                expire_days=q.days,
                price=q.price,
                real_price=q.real_price,
                discount_name=q.discount_name or "",
            )
            for q in quotes
        )
        if user_coupon is not None and not user_coupon_reserve(
            user_coupon_id=user_coupon.id, order_id=order.id, at=now
        ):
            raise Conflict(_("This coupon was just used by another order."), code="coupon_used")
        if credit:
            credit_change(
                user_id=user_id,
                amount=-credit,
                reason=CreditEntry.Reason.ORDER_RESERVE,
                order=order,
            )
        if real_price == ZERO:  # nothing to pay: no gateway, paid at once
            _settle_locked(order, trade_no=None, paid_at=now, reason="nothing to pay")
            order.status = Order.Status.PAID
        ordered = [q.course_id for q in quotes]
        number = order.order_number
        transaction.on_commit(  # never raises: the order is placed whatever Redis does
            lambda: cart_remove_lines(user_id=user_id, course_ids=ordered, order_number=number)
        )
    event("order.created", order_number=number, user_id=user_id, real_price=real_price,
          coupon=coupon_amount, credit=credit, lines=len(quotes))  # fmt: skip
    changed = expected_real_price is not None and money(expected_real_price) != real_price
    return CheckoutResult(order, price_changed=changed)


@dataclass(frozen=True)
class _Quote:
    course_id: int
    course_name: str
    expire_id: int
    text: str
    days: int
    price: Decimal
    real_price: Decimal
    discount_name: str | None


def _current_quotes(user_id: int, items: list[tuple[int, int]], now: datetime) -> list[_Quote]:
    """The selected lines priced from the database now, or a 409 saying what changed."""
    course_ids = [course_id for course_id, _ in items]
    offers = course_offers(course_ids=course_ids, at=now)
    quotes, gone = [], []
    for course_id, expire_id in items:
        offer = offers.get(course_id)
        quote = offer.quote(expire_id) if offer and offer.on_sale else None
        if quote is None:
            gone.append(offer.name if offer else f"#{course_id}")
            continue
        quotes.append(
            _Quote(
                course_id,
                offer.name,
                expire_id,
                quote.text,
                quote.days,
                quote.price,
                quote.real_price,
                quote.discount_name,
            )
        )
    if gone:
        raise Conflict(
            _("No longer for sale with the chosen validity: %(courses)s. Update your cart.")
            % {"courses": list_words(gone)},
            code="course_unavailable",
        )
    owned = active_access(user_id=user_id, course_ids=course_ids, at=now)
    if owned:
        raise Conflict(
            _("You already have access to some of these courses; remove them from your cart."),
            code="already_purchased",
            extra={"course_ids": sorted(owned)},
        )
    pending = unpaid_courses(user_id=user_id, course_ids=course_ids, at=now)
    if pending:
        numbers = ", ".join(sorted(set(pending.values())))
        raise Conflict(
            _(
                "You have an unpaid order with some of these courses (%(numbers)s): "
                "pay or cancel it first."
            )
            % {"numbers": numbers},
            code="pending_order",
            extra={"course_ids": sorted(pending)},
        )
    return quotes


def _title(quotes: list[_Quote]) -> str:
    names = "、".join(q.course_name for q in quotes)
    return names if len(names) <= 250 else names[:247] + "..."


def _usable_coupon(user_id: int, coupon_id: int, total: Decimal, now: datetime) -> UserCoupon:
    # No lock needed: the reservation below is a conditional UPDATE (WHERE status = unused).
    user_coupon = (
        UserCoupon.objects.select_related("coupon", "order")
        .filter(id=coupon_id, user_id=user_id)
        .first()
    )
    if user_coupon is None:
        raise ValidationFailed(
            _("You have no such coupon."), code="coupon_not_found", field="coupon_id"
        )
    problem = coupon_problem(user_coupon, total=total, at=now)
    if problem is not None:
        code, message = problem
        error = Conflict if code in ("coupon_used", "coupon_reserved") else ValidationFailed
        raise error(message, code=code, field="coupon_id")
    return user_coupon


def _credit_amount(user: User, credit: int, left: Decimal) -> Decimal:
    if credit < 0:
        raise ValidationFailed(
            _("Credit cannot be negative."), code="invalid_credit", field="credit"
        )
    if credit > user.credit:
        raise ValidationFailed(
            _("You have %(credit)d credit points.") % {"credit": user.credit},
            code="credit_exceeds_balance",
            field="credit",
        )
    amount = credit_to_money(credit)
    if amount > left:
        most = min(int(left * settings.CREDIT_PER_YUAN), user.credit)
        raise ValidationFailed(
            _("At most %(most)d points can be used on this order (worth %(worth)s).")
            % {"most": most, "worth": f"{left:.2f}"},
            code="credit_exceeds_total",
            field="credit",
            extra={"max_credit": most},
        )
    return amount


# --- Settlement -------------------------------------------------------------------------------


def _settle_locked(
    order: Order,
    *,
    trade_no: str | None,
    paid_at: datetime,
    from_status: int = S.UNPAID,
    reason: str = "",
) -> bool:
    """-> paid, coupon used, access granted. Caller holds the user lock. `trade_no` is unique
    among orders (one gateway trade settles at most one order): None when there is none.
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
        trade_no=trade_no or None,
    ):
        return False
    user_coupons_consume(order_ids=[order.id], at=paid_at)
    _grant_access(order, paid_at)
    event_on_commit(
        "order.settled", order_number=order.order_number, user_id=order.user_id,
        trade_no=trade_no or "-", paid_at=paid_at.isoformat(timespec="seconds"),
        reason=reason or "paid",
    )  # fmt: skip
    return True


def _grant_access(order: Order, now: datetime) -> None:
    lines = list(
        OrderLine.objects.filter(order_id=order.id).values_list("course_id", "expire_days")
    )
    # Before the purchase records are inserted: see _lock_courses.
    Course.objects.filter(id__in=[course_id for course_id, _ in lines]).update(
        students=F("students") + 1
    )
    access_grant(user_id=order.user_id, order_id=order.id, lines=lines, at=now)


def _order_for_settlement(order_number: str) -> Order:
    order = (
        Order.objects.filter(order_number=order_number)
        .only("id", "user_id", "order_number", "created_at")
        .first()
    )
    if order is None:
        raise NotFound(_("No such order."), code="order_not_found")
    return order


def order_record_paid(
    *,
    order_number: str,
    trade_no: str | None = None,
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
    with transaction.atomic():
        _lock_user(order.user_id)
        return _settle_locked(order, trade_no=trade_no, paid_at=paid_at or timezone.now())


class _CannotReserve(Exception):
    pass


class LateDecision(StrEnum):
    """What happened to money that arrived for an order no longer unpaid."""

    SETTLED = "late_settled"  # this call settled it: coupon and credit reserved again
    REFUND = "refund"  # this call decided the money goes back (coupon or credit gone)
    ALREADY_PAID = "already_paid"  # settled before, by another path
    ALREADY_REFUNDED = "already_refunded"  # a refund was decided before (late path or staff)


def order_record_late_payment(
    *, order_number: str, trade_no: str | None = None, paid_at: datetime | None = None
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
        _lock_user(order.user_id)
        order = Order.objects.select_for_update().get(id=order.id)
        if order.status == S.PAID:
            return LateDecision.ALREADY_PAID
        if order.status == S.REFUNDED:
            return LateDecision.ALREADY_REFUNDED
        if order.status not in (S.CANCELLED, S.TIMED_OUT):
            raise ValueError(f"order {order_number} is unpaid: settle it with order_record_paid")
        try:
            with transaction.atomic():  # a savepoint: undo a half re-reservation
                _reserve_again(order, paid_at)
                settled = _settle_locked(
                    order, trade_no=trade_no, paid_at=paid_at, from_status=order.status
                )
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
            "order.late_payment_to_refund", order_number=order_number, user_id=order.user_id,
            trade_no=trade_no or "-",
        )  # fmt: skip
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


# --- Cancellation -----------------------------------------------------------------------------


def _release_reservations(order: Order) -> None:
    """Give back what an unpaid order held: its coupon and its credit (with a ledger row)."""
    user_coupons_release(order_ids=[order.id], at=timezone.now())
    if order.credit:
        credit_change(
            user_id=order.user_id,
            amount=order.credit,
            reason=CreditEntry.Reason.ORDER_RELEASE,
            order=order,
        )


def order_record_cancelled(*, user_id: int, order_number: str) -> Order:
    """Record the cancellation of an unpaid order of the user; its coupon and credit come back
    exactly once. It does not ask the gateway whether the buyer paid meanwhile: cancelling is
    `payments.services.order_cancel`, which asks first."""
    with transaction.atomic():
        _lock_user(user_id)
        order = Order.objects.filter(user_id=user_id, order_number=order_number).first()
        if order is None:
            raise NotFound(_("No such order."), code="order_not_found")
        if not order_transition(order_id=order.id, from_status=S.UNPAID, to_status=S.CANCELLED):
            order.refresh_from_db(fields=["status"])
            raise Conflict(
                _("Only unpaid orders can be cancelled; this one is %(status)s.")
                % {"status": order.get_status_display()},
                code="order_not_unpaid",
                extra={"status": order.status},
            )
        _release_reservations(order)
        order.status = S.CANCELLED
    event("order.cancelled", order_number=order_number, user_id=user_id)
    return order


# --- Timeout sweep ----------------------------------------------------------------------------


# The unpaid status as a literal in the SQL, not a parameter: SQLite uses a partial index only
# when the query's WHERE visibly implies the index's (status = 0).
_UNPAID_LITERAL = RawSQL(str(int(S.UNPAID)), ())  # noqa: S611 (a constant)


def _expired_unpaid(now: datetime):
    return Order.objects.filter(status=_UNPAID_LITERAL, pay_deadline__lte=now)


def orders_record_timed_out(
    *, now: datetime, batch_size: int | None = None, gateway_checked=()
) -> int:
    """Record one batch of unpaid orders past their deadline as timed out, set-based: eight
    statements per batch whatever its size (pick, lock the users, lock the orders, update
    them, audit rows, coupons, credit, ledger rows; a ninth on PostgreSQL sets the commit
    mode) and no per-order model instances. Returns
    how many this call timed out; `batch_size` defaults to settings.SWEEP_BATCH_SIZE. The
    sweep is `payments.services.orders_expire`, which asks the gateway about the orders that
    reached it first.

    Orders that reached the gateway are left alone unless listed in `gateway_checked` (the
    gateway was asked and the trade closed). Safe beside another sweep, a payment or a cancel:
    users are locked first (the common lock order), then the orders, skipping ones another
    sweep holds, and every update is conditional on the order still being unpaid."""
    batch_size = batch_size or settings.SWEEP_BATCH_SIZE
    # Oldest deadline first: the partial index on the unpaid orders' (pay_deadline, id)
    # (PostgreSQL, SQLite; the (status, pay_deadline) index on MariaDB) yields the rows in this
    # order and the LIMIT stops the scan after one batch.
    candidates = list(
        _expired_unpaid(now)
        .filter(Q(sent_to_gateway_at__isnull=True) | Q(id__in=list(gateway_checked)))
        .order_by("pay_deadline", "id")
        .values_list("id", "user_id")[:batch_size]
    )
    if not candidates:
        return 0
    with transaction.atomic():
        if connection.vendor == "postgresql":
            # Commit without waiting for the disk (a fsync per batch was a third of the time
            # on a busy machine): a crash can lose only whole batches, which the next sweep
            # redoes, and any later transaction that depends on one (a late payment reading
            # the timed-out status) commits durably, which writes this one to disk first.
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        user_ids = sorted({user_id for _, user_id in candidates})
        list(User.objects.select_for_update().filter(id__in=user_ids).order_by("id").values("id"))
        mine = list(
            Order.objects.select_for_update(skip_locked=True)
            .filter(id__in=[order_id for order_id, _ in candidates], status=S.UNPAID)
            .values_list("id", "user_id", "credit", "order_number")
        )
        ids = [order_id for order_id, _, _, _ in mine]
        if not ids:
            return 0
        Order.objects.filter(id__in=ids, status=S.UNPAID).update(status=S.TIMED_OUT, updated_at=now)
        _audit_many(ids, S.UNPAID, S.TIMED_OUT, at=now)
        user_coupons_release(order_ids=ids, at=now)
        credits_release(orders=[(o, u, c) for o, u, c, _number in mine], note="order timed out")
    for _order_id, user_id, _credit, number in mine:
        event("order.timed_out", order_number=number, user_id=user_id)
    return len(ids)


def _audit_many(order_ids: list[int], from_status: int, to_status: int, *, at: datetime) -> None:
    """The audit rows of many orders' transition: one INSERT ... SELECT, no model instances."""
    table, orders = OrderStatusChange._meta.db_table, Order._meta.db_table
    marks = ", ".join(["%s"] * len(order_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (order_id, from_status, to_status, reason, created_at) "  # noqa: S608
            f"SELECT id, %s, %s, %s, %s FROM {orders} WHERE id IN ({marks}) ORDER BY id",
            [
                int(from_status),
                int(to_status),
                TRANSITIONS[(from_status, to_status)],
                connection.ops.adapt_datetimefield_value(at),
                *order_ids,
            ],
        )


# --- Refunds ----------------------------------------------------------------------------------


def order_record_refunded(*, order_id: int, reason: str, staff_user_id: int | None = None) -> bool:
    """Record that the whole payment went back to the buyer: paid -> refunded, the access this
    order granted ends (its days are taken back), and the credit it spent is returned. Refunding
    is `payments.services.order_refund`, which asks the gateway first."""
    order = Order.objects.only("id", "user_id", "credit", "order_number").get(id=order_id)
    now = timezone.now()
    with transaction.atomic():
        _lock_user(order.user_id)
        if not order_transition(
            order_id=order.id, from_status=S.PAID, to_status=S.REFUNDED, reason=reason,
            staff_user_id=staff_user_id,
        ):  # fmt: skip
            return False
        lines = list(
            OrderLine.objects.filter(order_id=order.id).values_list("course_id", "expire_days")
        )
        access_revoke(user_id=order.user_id, order_id=order.id, lines=lines, at=now)
        if order.credit:
            credit_change(
                user_id=order.user_id,
                amount=order.credit,
                reason=CreditEntry.Reason.ORDER_REFUND,
                order=order,
            )
    event("order.refunded", order_number=order.order_number, user_id=order.user_id, reason=reason)
    return True
