"""Recording unpaid orders past their deadline as timed out, set-based; the sweep is
`payments.services.jobs.orders_expire`, which asks the gateway about orders that reached it."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from luffy.common.logs import event
from luffy.coupons.services import (
    user_coupons_release,
)
from luffy.orders.models import Order
from luffy.orders.services.locks import lock_orders_skip_locked, lock_users
from luffy.orders.services.transitions import order_transition_many
from luffy.users.credits import credits_release

S = Order.Status


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
        lock_users(user_ids)
        mine = lock_orders_skip_locked(
            Order.objects.filter(id__in=[order_id for order_id, _ in candidates], status=S.UNPAID),
            "id", "user_id", "credit", "order_number",
        )  # fmt: skip
        ids = [order_id for order_id, _, _, _ in mine]
        if not ids:
            return 0
        order_transition_many(order_ids=ids, from_status=S.UNPAID, to_status=S.TIMED_OUT, at=now)
        user_coupons_release(order_ids=ids, at=now)
        credits_release(orders=[(o, u, c) for o, u, c, _number in mine], note="order timed out")
    for _order_id, user_id, _credit, number in mine:
        event("order.timed_out", order_number=number, user_id=user_id)
    return len(ids)
