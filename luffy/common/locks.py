"""Row locks, in the one lock order of the store, written once.

A transaction that locks rows of several kinds takes them in this order, and rows of one kind
in primary-key order, so two transactions never wait for each other in a circle:

    1. users (the buyer: every order use case starts here; the sweep locks its batch's users,
       on PostgreSQL only those whose credit it returns, the user rows it writes)
    2. orders
    3. courses (before the rows that reference them are inserted: see orders' lock_courses)
    4. purchase records (access); coupons and credit change by conditional updates, no lock

A segment grant (coupons.services.coupon_grant_segment) locks one coupon definition row and
nothing else, so it stands outside this order and cannot close a circle with it.

Common cannot import the apps, so this module holds the one way to lock (`lock_rows`, and
`lock_clause` for the one raw statement that locks) and the
apps wrap it for their rows (orders.services.locks: lock_user(s), lock_order(s), lock_courses;
access.services for purchase records). Row locks do nothing on SQLite: there the conditional
updates keep the writes correct (see docs/architecture.md, "Locks and state changes")."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet

LOCK_ORDER = ("users", "orders", "courses", "purchases")


def lock_rows(queryset: QuerySet, *, no_key: bool = False, skip_locked: bool = False) -> QuerySet:
    """`queryset` locked FOR UPDATE when evaluated, rows in primary-key order. `no_key`: FOR NO
    KEY UPDATE where the database has it (PostgreSQL; others take FOR UPDATE), which does not
    block inserts of rows that reference these. `skip_locked`: leave rows another transaction
    holds. Lazy, like any queryset: the caller evaluates it (`.get()`, `list(...)`), which is
    the one statement."""
    no_key = no_key and connection.features.has_select_for_no_key_update
    return queryset.select_for_update(no_key=no_key, skip_locked=skip_locked).order_by("pk")


def lock_clause() -> str:
    """The locking clause ending a raw SELECT that must lock rows (" FOR UPDATE", or "" where
    the database has no row locks), for a statement the ORM cannot express. It locks every
    row the statement reads, which the caller must allow for."""
    if not connection.features.has_select_for_update:
        return ""
    return " " + connection.ops.for_update_sql()
