"""The credit ledger: the only writers of a user's credit balance. Every change is a
CreditEntry row with the balance after it; set-based where many orders change at once (the
timeout sweep), so one order and a batch go through the same rules."""

from __future__ import annotations

import sqlite3

from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.common.errors import Conflict
from luffy.common.sql import int_literals
from luffy.users.models import CreditEntry, User


def credit_change(*, user_id: int, amount: int, reason: str, order=None, note: str = "") -> int:
    """Add points (or spend them, amount < 0) with a ledger row; returns the new balance.

    Joins the caller's transaction. The conditional UPDATE never lets the balance go below
    zero, and the row lock it takes makes the balance read back exactly ours."""
    if amount == 0:
        raise ValueError("a credit change of 0 points is not a change")
    with transaction.atomic(savepoint=False):
        users = User.objects.filter(id=user_id)
        if amount < 0:
            users = users.filter(credit__gte=-amount)
        if not users.update(credit=F("credit") + amount):
            raise Conflict(
                _("You do not have that many credit points."), code="insufficient_credit"
            )
        balance = User.objects.filter(id=user_id).values_list("credit", flat=True).get()
        CreditEntry.objects.create(
            user_id=user_id,
            amount=amount,
            balance_after=balance,
            reason=reason,
            order=order,
            note=note,
        )
    return balance


def credits_release(*, orders: list[tuple[int, int, int]], note: str) -> None:
    """Give back the credit reserved by many orders, as (order_id, user_id, points): two
    statements however many orders, one UPDATE of the users (by a join with the orders'
    points summed per user) and one INSERT ... SELECT of the ledger rows, each with the
    balance after it as if the returns were applied in order id order. The caller holds the
    users' locks. SQL per database (PostgreSQL, SQLite >= 3.33, MariaDB/MySQL); the ORM
    otherwise."""
    orders = [row for row in orders if row[2]]
    if not orders:
        return
    now = timezone.now()
    if not _release_sql(orders, note=note, now=now):
        _release_orm(orders, note=note, now=now)


def credits_release_sql(*, orders: str, note: str) -> tuple[str, dict]:
    """credits_release as parts of one PostgreSQL data-modifying statement: the CTEs
    `credited` (the users' UPDATE, RETURNING their new balances) and `credit_ledger` (the
    ledger rows, the same running balances as credits_release), for the relation `orders`
    (id, user_id, credit). The caller holds the users' locks. Returns (SQL, named
    parameters)."""
    users, ledger = User._meta.db_table, CreditEntry._meta.db_table
    sql = (
        f"credited AS (UPDATE {users} u SET credit = u.credit + t.points "  # noqa: S608
        f"FROM (SELECT user_id, SUM(credit) AS points FROM {orders} WHERE credit > 0 "
        "GROUP BY user_id) t WHERE u.id = t.user_id RETURNING u.id, u.credit), "
        f"credit_ledger AS (INSERT INTO {ledger} "
        "(user_id, amount, balance_after, reason, order_id, note, created_at) "
        "SELECT r.user_id, r.credit, c.credit - SUM(r.credit) OVER (PARTITION BY r.user_id) "
        "+ SUM(r.credit) OVER (PARTITION BY r.user_id ORDER BY r.id), "
        f"%(cr_reason)s, r.id, %(cr_note)s, %(cr_at)s FROM {orders} r "
        "JOIN credited c ON c.id = r.user_id WHERE r.credit > 0 ORDER BY r.id)"
    )
    params = {
        "cr_reason": CreditEntry.Reason.ORDER_RELEASE.value,
        "cr_note": note,
        "cr_at": timezone.now(),
    }
    return sql, params


def _release_sql(orders: list[tuple[int, int, int]], *, note: str, now) -> bool:
    vendor = connection.vendor
    if vendor == "sqlite" and sqlite3.sqlite_version_info < (3, 33):  # no UPDATE ... FROM
        return False
    if vendor not in ("postgresql", "sqlite", "mysql"):
        return False
    # The returns as a derived table r(order_id, user_id, points): VALUES where its columns
    # are named column1.. (PostgreSQL, SQLite), a UNION ALL on MariaDB; integer literals, not
    # parameters (int_literals: a batch's 1500 parameters cost more than the statement).
    if vendor == "mysql":
        (order_id, user_id, points), *rest = orders
        named = f"SELECT {int(order_id)} AS order_id, {int(user_id)} AS user_id, {int(points)}"
        rows = "".join(f" UNION ALL SELECT {int_literals(row)}" for row in rest)
        returns = f"({named} AS points{rows}) r"
    else:
        rows = ", ".join(f"({int_literals(row)})" for row in orders)
        returns = (
            "(SELECT column1 AS order_id, column2 AS user_id, column3 AS points "  # noqa: S608
            f"FROM (VALUES {rows}) v) r"
        )
    per_user = f"(SELECT user_id, SUM(points) AS points FROM {returns} GROUP BY user_id) t"  # noqa: S608
    users, ledger = User._meta.db_table, CreditEntry._meta.db_table
    if vendor == "mysql":
        # One table updated, by its key, with the sum from a subquery: a multi-table UPDATE ...
        # JOIN may scan the users and wait for rows another sweep holds (a deadlock); a
        # single-table UPDATE reads past rows that do not match without waiting for them.
        user_ids = int_literals(sorted({user_id for _, user_id, _ in orders}))
        update = (
            f"UPDATE {users} SET credit = credit + (SELECT SUM(r.points) FROM {returns} "  # noqa: S608
            f"WHERE r.user_id = {users}.id) WHERE id IN ({user_ids})"
        )
    else:
        update = (
            f"UPDATE {users} SET credit = credit + t.points "  # noqa: S608
            f"FROM {per_user} WHERE id = t.user_id"
        )
    # Read after the update: a user's balance minus the returns of this batch not yet applied
    # at each row (those with a higher order id).
    insert = (
        f"INSERT INTO {ledger} "  # noqa: S608
        "(user_id, amount, balance_after, reason, order_id, note, created_at) "
        "SELECT r.user_id, r.points, u.credit - SUM(r.points) OVER (PARTITION BY r.user_id) "
        "+ SUM(r.points) OVER (PARTITION BY r.user_id ORDER BY r.order_id), "
        f"%s, r.order_id, %s, %s FROM {returns} JOIN {users} u ON u.id = r.user_id "
        "ORDER BY r.order_id"
    )
    stamp = connection.ops.adapt_datetimefield_value(now)
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        cursor.execute(update)
        cursor.execute(insert, [CreditEntry.Reason.ORDER_RELEASE.value, note, stamp])
    return True


def _release_orm(orders: list[tuple[int, int, int]], *, note: str, now) -> None:
    per_user: dict[int, int] = {}
    for _number, user_id, points in orders:
        per_user[user_id] = per_user.get(user_id, 0) + points
    with transaction.atomic(savepoint=False):
        User.objects.filter(id__in=per_user).update(
            credit=F("credit")
            + Case(*(When(id=u, then=Value(p)) for u, p in per_user.items()), default=Value(0))
        )
        balances = dict(User.objects.filter(id__in=per_user).values_list("id", "credit"))
        before = {user_id: balances[user_id] - total for user_id, total in per_user.items()}
        entries = []
        for order_id, user_id, points in sorted(orders):
            before[user_id] += points
            entries.append(
                CreditEntry(
                    user_id=user_id,
                    amount=points,
                    balance_after=before[user_id],
                    reason=CreditEntry.Reason.ORDER_RELEASE,
                    order_id=order_id,
                    note=note,
                    created_at=now,
                )
            )
        CreditEntry.objects.bulk_create(entries)
