"""The dashboard's figures: reads only, a fixed number of aggregate queries whatever the size of
the store (pinned in tests/backoffice/test_reports.py; timed by bench/dashboard.py).

Days are the store's local days (TIME_ZONE): their bounds are computed here and every figure is
a filtered aggregate over an indexed time range, so no database needs time zone tables.

Revenue is money that stayed: orders paid in the period (by paid_at, whatever their status
now) minus refunds that succeeded in the period (by when they were asked for) of orders that
had been paid. The automatic refund of a late payment that could not be settled is neither a
sale nor a refund here: its order was never paid."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from luffy.common.money import ZERO
from luffy.orders.models import Order, OrderLine
from luffy.payments.models import PaymentMessage, Refund

CHART_DAYS = 30
PERIODS = {"today": 1, "7d": 7, "30d": 30}
LIST_LIMIT = 10
TOP_COURSES = 5


@dataclass(frozen=True)
class PeriodFigures:
    days: int
    gross: Decimal
    refunded: Decimal
    paid_orders: int
    refunds: int
    created_orders: int
    created_paid: int
    new_students: int

    @property
    def revenue(self) -> Decimal:
        return self.gross - self.refunded

    @property
    def conversion(self) -> float | None:
        """Share of the orders created in the period that were paid (None: no orders)."""
        return self.created_paid / self.created_orders if self.created_orders else None


@dataclass(frozen=True)
class DayFigures:
    day: date
    gross: Decimal
    refunded: Decimal

    @property
    def revenue(self) -> Decimal:
        return self.gross - self.refunded


@dataclass(frozen=True)
class Dashboard:
    at: datetime
    periods: dict[str, PeriodFigures]
    days: list[DayFigures]  # oldest first, CHART_DAYS of them, today last
    top_courses: list[dict]  # course_id, course_name, revenue, sold
    flagged_messages: list[PaymentMessage]
    expiring_orders: list[Order]


def day_starts(now: datetime, days: int) -> list[datetime]:
    """The starts of the last `days` local days (today last), aware, plus tomorrow's start."""
    today = timezone.localtime(now).date()
    zone = timezone.get_current_timezone()
    first = today - timedelta(days=days - 1)
    return [
        datetime.combine(first + timedelta(days=n), datetime.min.time(), tzinfo=zone)
        for n in range(days + 1)
    ]


def _money_sum(field: str, **conditions) -> Coalesce:
    money = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Sum(field, filter=Q(**conditions)), Value(ZERO), output_field=money)


def _per_day(field: str, time_field: str, starts: list[datetime]) -> dict[str, Coalesce]:
    return {
        f"d{n}": _money_sum(field, **{f"{time_field}__gte": start, f"{time_field}__lt": end})
        for n, (start, end) in enumerate(itertools.pairwise(starts))
    }


def dashboard(*, now: datetime | None = None) -> Dashboard:
    """Seven queries: paid orders by day, refunds by day, created orders, new students, top
    courses, flagged gateway messages, unpaid orders about to time out."""
    now = now or timezone.now()
    starts = day_starts(now, CHART_DAYS)
    since = {key: starts[CHART_DAYS - days] for key, days in PERIODS.items()}
    first, end = starts[0], starts[-1]

    paid = Order.objects.filter(paid_at__gte=first, paid_at__lt=end).aggregate(
        **_per_day("real_price", "paid_at", starts),
        **{f"n_{key}": Count("id", filter=Q(paid_at__gte=start)) for key, start in since.items()},
    )
    refunds = Refund.objects.filter(
        status=Refund.Status.SUCCEEDED,
        order__paid_at__isnull=False,
        created_at__gte=first,
        created_at__lt=end,
    ).aggregate(
        **_per_day("amount", "created_at", starts),
        **{f"n_{key}": Count("id", filter=Q(created_at__gte=s)) for key, s in since.items()},
    )
    created = Order.objects.filter(created_at__gte=first, created_at__lt=end).aggregate(
        **{f"n_{key}": Count("id", filter=Q(created_at__gte=s)) for key, s in since.items()},
        **{
            f"paid_{key}": Count("id", filter=Q(created_at__gte=s, paid_at__isnull=False))
            for key, s in since.items()
        },
    )
    students = (
        get_user_model()
        .objects.filter(date_joined__gte=first, date_joined__lt=end, is_staff=False)
        .aggregate(
            **{f"n_{key}": Count("id", filter=Q(date_joined__gte=s)) for key, s in since.items()}
        )
    )
    # Driven from the paid orders (the paid_at index), then each order's lines by order_id.
    paid_ids = Order.objects.filter(paid_at__gte=first, paid_at__lt=end).values("id")
    top_courses = list(
        OrderLine.objects.filter(order_id__in=paid_ids)
        .values("course_id", "course_name")
        .annotate(revenue=Sum("real_price"), sold=Count("id"))
        .order_by("-revenue", "course_id")[:TOP_COURSES]
    )
    flagged = list(
        PaymentMessage.objects.filter(flagged=True)
        .only("id", "source", "out_trade_no", "outcome", "detail", "created_at")
        .order_by("-created_at")[:LIST_LIMIT]
    )
    expiring = list(
        Order.objects.filter(
            status=Order.Status.UNPAID,
            pay_deadline__gt=now,
            pay_deadline__lte=now + settings.DASHBOARD_TIMEOUT_SOON,
        )
        .select_related("user")
        .only("id", "order_number", "title", "real_price", "pay_deadline", "user__username")
        .order_by("pay_deadline", "id")[:LIST_LIMIT]
    )

    days = [
        DayFigures(day=timezone.localtime(start).date(), gross=paid[f"d{n}"],
                   refunded=refunds[f"d{n}"])
        for n, start in enumerate(starts[:-1])
    ]  # fmt: skip
    periods = {}
    for key, length in PERIODS.items():
        window = days[-length:]
        periods[key] = PeriodFigures(
            days=length,
            gross=sum((d.gross for d in window), ZERO),
            refunded=sum((d.refunded for d in window), ZERO),
            paid_orders=paid[f"n_{key}"],
            refunds=refunds[f"n_{key}"],
            created_orders=created[f"n_{key}"],
            created_paid=created[f"paid_{key}"],
            new_students=students[f"n_{key}"],
        )
    return Dashboard(
        at=now, periods=periods, days=days, top_courses=top_courses,
        flagged_messages=flagged, expiring_orders=expiring,
    )  # fmt: skip
