"""The credit ledger: the only writers of a user's credit balance. Every change is a
CreditEntry row with the balance after it; set-based where many orders change at once (the
timeout sweep), so one order and a batch go through the same rules."""

from __future__ import annotations

from django.db import transaction
from django.db.models import Case, F, Value, When
from django.utils.translation import gettext as _

from luffy.common.errors import Conflict
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
    """Give back the credit reserved by many orders, as (order_id, user_id, points): one UPDATE
    of the users, one read of the new balances, one INSERT of the ledger rows. The caller holds
    the users' locks."""
    if not orders:
        return
    per_user: dict[int, int] = {}
    for _number, user_id, points in orders:
        per_user[user_id] = per_user.get(user_id, 0) + points
    User.objects.filter(id__in=per_user).update(
        credit=F("credit")
        + Case(*(When(id=u, then=Value(p)) for u, p in per_user.items()), default=Value(0))
    )
    balances = dict(User.objects.filter(id__in=per_user).values_list("id", "credit"))
    # Each entry's balance_after as if the returns were applied in order id order.
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
            )
        )
    CreditEntry.objects.bulk_create(entries)
