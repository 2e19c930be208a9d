"""Recording unpaid orders past their deadline as timed out, set-based; the sweep is
`payments.services.jobs.orders_expire`, which asks the gateway about orders that reached it."""

from __future__ import annotations

import contextvars
import queue
import sqlite3
import threading
from collections.abc import Callable
from datetime import datetime

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.expressions import RawSQL

from luffy.common.logs import events_many
from luffy.common.sql import id_list
from luffy.coupons.services import user_coupons_release, user_coupons_release_sql
from luffy.orders.models import Order
from luffy.orders.services.locks import lock_orders_skip_locked, lock_users
from luffy.orders.services.transitions import (
    order_transition_many,
    order_transition_many_returning,
    order_transition_many_sql,
)
from luffy.users.credits import credits_release, credits_release_sql

S = Order.Status
NOTE = "order timed out"  # on the ledger rows


# The unpaid status as a literal in the SQL, not a parameter: SQLite uses a partial index only
# when the query's WHERE visibly implies the index's (status = 0).
_UNPAID_LITERAL = RawSQL(str(int(S.UNPAID)), ())  # noqa: S611 (a constant)


def _expired_unpaid(now: datetime):
    return Order.objects.filter(status=_UNPAID_LITERAL, pay_deadline__lte=now)


def orders_time_out_due(
    *,
    now: datetime,
    deadline_before: datetime | None = None,
    reached_gateway: bool = False,
    batch_size: int | None = None,
    workers: int | None = None,
    out_of_time: Callable[[], bool] = lambda: False,
) -> int:
    """Time out, at `now`, every unpaid order whose deadline is at or before `deadline_before`
    (default `now`): those that never reached a gateway, or with `reached_gateway` those that
    did (the sweep's orders past the grace margin, whose pay URL has expired). Batch by batch
    as orders_record_timed_out's, oldest deadline first, `workers` batches at a time
    (settings.SWEEP_DB_WORKERS): each worker thread applies batches on its own connection
    while this thread picks the next one, keyset on (deadline, id). A backlog's cost is the
    database server's work per order (docs/benchmarks.md), so a second server core nearly
    halves its wall time; the batches are as safe side by side as two sweeps are. Serial on
    SQLite (one writer at a time) and inside a caller's transaction (other connections cannot
    see its rows). Stops
    picking when `out_of_time()`; batches already picked finish. Returns how many it timed
    out; orders another transaction holds are left for the next run."""
    batch_size = batch_size or settings.SWEEP_BATCH_SIZE
    workers = settings.SWEEP_DB_WORKERS if workers is None else workers
    due = (
        _expired_unpaid(deadline_before or now)
        .filter(sent_to_gateway_at__isnull=not reached_gateway)
        .order_by("pay_deadline", "id")
    )
    if workers <= 1 or connection.vendor == "sqlite" or connection.in_atomic_block:
        # Each pick from the oldest deadline: the orders a batch timed out have left the
        # unpaid set. Ends at a batch that moves none (the rest held by other transactions).
        total = 0
        while not out_of_time() and (done := _apply(_first(due, batch_size), now=now)):
            total += done
        return total

    def pages():  # keyset, past the batches still in flight (exact: native timestamps)
        after = None
        while not out_of_time():
            page = due
            if after is not None:
                page = page.filter(
                    Q(pay_deadline__gt=after[0]) | Q(pay_deadline=after[0], id__gt=after[1])
                )
            rows = list(page.values_list("id", "user_id", "credit", "pay_deadline")[:batch_size])
            if not rows:
                return
            after = (rows[-1][3], rows[-1][0])
            yield [row[:3] for row in rows]

    return _apply_in_parallel(pages(), now=now, workers=workers)


def _first(due, batch_size: int) -> list[tuple[int, int, int]]:
    return list(due.values_list("id", "user_id", "credit")[:batch_size])


def _apply_in_parallel(pages, *, now: datetime, workers: int) -> int:
    """Apply each page of candidates (`pages` is picked in this thread) on `workers` threads,
    each with its own DB connection, closed when it is done; at most two pages wait per worker.
    A worker's error stops the picking and is raised here once the others have finished."""
    todo: queue.Queue = queue.Queue(maxsize=2 * workers)
    stop = threading.Event()
    errors: list[BaseException] = []
    counted = [0]
    count_lock = threading.Lock()

    def work() -> None:
        try:
            while (candidates := todo.get()) is not None:
                if stop.is_set():
                    continue  # drain: the picker is told to stop and sends the ends
                done = _apply(candidates, now=now)
                with count_lock:
                    counted[0] += done
        except BaseException as exc:  # re-raised in the caller's thread below
            errors.append(exc)
            stop.set()
            while todo.get() is not None:  # let the picker finish putting
                pass
        finally:
            connection.close()

    # Each thread in a copy of this one's context: the log lines keep the job's request id.
    threads = [
        threading.Thread(target=contextvars.copy_context().run, args=(work,), daemon=True)
        for _ in range(workers)
    ]
    for thread in threads:
        thread.start()
    try:
        for candidates in pages:
            if stop.is_set():
                break
            todo.put(candidates)
    finally:
        for _ in threads:
            todo.put(None)
        for thread in threads:
            thread.join()
    if errors:
        raise errors[0]
    return counted[0]


def orders_record_timed_out(
    *, now: datetime, batch_size: int | None = None, gateway_checked=()
) -> int:
    """Record one batch of unpaid orders past their deadline as timed out, set-based: a fixed
    number of statements per batch whatever its size and no per-order model instances or SQL.
    Returns how many this call timed out; `batch_size` defaults to settings.SWEEP_BATCH_SIZE.
    The sweep is `payments.services.orders_expire`, which asks the gateway about the orders
    that reached it first.

    Orders that reached the gateway are left alone unless listed in `gateway_checked` (the
    gateway was asked and the trade closed). Safe beside another sweep, a payment or a cancel:
    users are locked first (the common lock order; on PostgreSQL only the users whose credit
    the batch returns, the only user rows it writes), then the orders, skipping ones another
    sweep holds, and every update is conditional on the order still being unpaid (on SQLite,
    which has no row locks, the conditional updates alone, in a write transaction).

    Statements per batch: PostgreSQL 4 (the pick; the commit mode; the users' locks, none
    when no order of the batch holds credit; one data-modifying statement that locks the
    orders, updates them and writes the audit rows, coupons, credit and ledger rows), SQLite 6
    (pick; UPDATE ... RETURNING; audit; coupons; credit; ledger), MariaDB/MySQL 8 (pick,
    users' locks, the orders' locks, then the same five as SQLite's, UPDATE without
    RETURNING)."""
    batch_size = batch_size or settings.SWEEP_BATCH_SIZE
    # Oldest deadline first: the partial index on the unpaid orders' (pay_deadline, id)
    # (PostgreSQL, SQLite; the (status, pay_deadline) index on MariaDB) yields
    # the rows in this order and the LIMIT stops the scan after one batch.
    pick = (
        _expired_unpaid(now)
        .filter(Q(sent_to_gateway_at__isnull=True) | Q(id__in=list(gateway_checked)))
        .order_by("pay_deadline", "id")
        .values_list("id", "user_id", "credit")[:batch_size]
    )
    return _apply(list(pick), now=now)


def _apply(candidates, *, now: datetime) -> int:
    """Time out one batch of candidates, (id, user_id, credit) of orders due: those still
    unpaid that no other transaction holds. Returns how many."""
    if not candidates:
        return 0
    if connection.vendor == "postgresql":
        moved = _batch_postgresql(candidates, now=now)
    else:
        moved = _batch(candidates, now=now)
    # A line per 100 orders, not per order (100,000 lines took seconds): grep by number works.
    events_many("order.timed_out", [(number, user_id) for _id, user_id, number in moved])
    return len(moved)


def _batch_postgresql(candidates, *, now: datetime) -> list[tuple[int, int, str]]:
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Commit without waiting for the disk (a fsync per batch was a third of the time
            # on a busy machine): a crash can lose only whole batches, credit returns and
            # all, which the next sweep redoes, and any later transaction that depends on one
            # (a late payment's refund decision, committed before the gateway is called)
            # commits durably, which writes this one to disk first. Only the log lines may
            # name a lost batch's orders (docs/reliability.md).
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
        # Only the users whose credit the batch returns, the user rows it writes: a batch
        # that waits for no other user row cannot close a circle with a payment or a cancel
        # that holds such a user and waits for its order (SKIP LOCKED leaves that order). Not
        # one statement with the pick: joined with it, the lock was planned as a hash join
        # over the whole users table.
        lock_users(sorted({user_id for _, user_id, credit in candidates if credit > 0}))
        # Data-modifying CTEs all run, on one snapshot, whether the final SELECT reads them or
        # not; each later part reads what `moved` returned, never the tables it changed.
        orders = Order._meta.db_table
        transition, transition_params = order_transition_many_sql(
            locked="locked", from_status=S.UNPAID, to_status=S.TIMED_OUT, at=now
        )
        coupons, coupon_params = user_coupons_release_sql(orders="moved", at=now)
        credit, credit_params = credits_release_sql(orders="moved", note=NOTE)
        with connection.cursor() as cursor:
            cursor.execute(
                f"WITH locked AS (SELECT id FROM {orders} WHERE id = ANY(%(ids)s) "  # noqa: S608
                f"AND status = %(unpaid)s ORDER BY id FOR UPDATE SKIP LOCKED), {transition}, "
                f"{coupons}, {credit} SELECT id, user_id, order_number FROM moved",
                {"ids": [order_id for order_id, _, _ in candidates], "unpaid": int(S.UNPAID),
                 **transition_params, **coupon_params, **credit_params},
            )  # fmt: skip
            return cursor.fetchall()


def _batch(candidates, *, now: datetime) -> list[tuple[int, int, str]]:
    fields = ["id", "user_id", "credit", "order_number"]
    candidate_ids = [order_id for order_id, _, _ in candidates]
    with transaction.atomic():
        if connection.vendor == "sqlite" and sqlite3.sqlite_version_info >= (3, 35):
            # No row locks here (the write transaction holds the database): the conditional
            # UPDATE alone decides, and returns the rows it moved.
            mine = order_transition_many_returning(
                order_ids=candidate_ids, from_status=S.UNPAID, to_status=S.TIMED_OUT, at=now,
                fields=fields,
            )  # fmt: skip
        else:
            lock_users(sorted({user_id for _, user_id, _ in candidates}))
            mine = lock_orders_skip_locked(
                Order.objects.filter(id__in=id_list(candidate_ids), status=S.UNPAID), *fields
            )
            order_transition_many(
                order_ids=[row[0] for row in mine], from_status=S.UNPAID,
                to_status=S.TIMED_OUT, at=now,
            )  # fmt: skip
        if not mine:
            return []
        user_coupons_release(order_ids=[row[0] for row in mine], at=now)
        credits_release(orders=[(o, u, c) for o, u, c, _number in mine], note=NOTE)
    return [(order_id, user_id, number) for order_id, user_id, _credit, number in mine]
