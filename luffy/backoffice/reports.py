"""The dashboard's figures: reads only, a fixed number of aggregate queries whatever the size of
the store (pinned in tests/backoffice/test_reports.py; timed by bench/dashboard.py).

Days are the store's local days (TIME_ZONE): their bounds are computed here and every figure is
a filtered aggregate over an indexed time range, so no database needs time zone tables. A day
that is over is read from the daily roll-up (models.SalesDay, CourseSalesDay, written by
services.sales_days_roll_up with the same day_figures / course_figures as the live figures);
only the days not rolled up yet (today, at least) are aggregated live.

Revenue is money that stayed: orders paid in the period (by paid_at, whatever their status
now) minus refunds that succeeded in the period (by when they were asked for) of orders that
had been paid. The automatic refund of a late payment that could not be settled is neither a
sale nor a refund here: its order was never paid."""

from __future__ import annotations

import dataclasses
import functools
import itertools
import operator
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Count, DecimalField, Q, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from luffy.backoffice.models import CourseSalesDay, SalesDay
from luffy.common.money import ZERO
from luffy.orders.models import Order, OrderLine
from luffy.payments.models import PaymentMessage, Refund

CHART_DAYS = 30
PERIODS = {"today": 1, "7d": 7, "30d": 30}
LIST_LIMIT = 10
TOP_COURSES = 5
MONEY = {"gross", "refunded"}
# What day_figures computes for each day (and models.SalesDay keeps).
DAY_FIELDS = (
    "gross", "refunded", "paid_orders", "refunds", "open_refunds", "created_orders",
    "created_paid", "new_students",
)  # fmt: skip


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
    """One local day: money paid and refunded on it, and the counts the periods add up."""

    day: date
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


@dataclass(frozen=True)
class Dashboard:
    at: datetime
    periods: dict[str, PeriodFigures]
    days: list[DayFigures]  # oldest first, CHART_DAYS of them, today last
    top_courses: list[dict]  # course_id, course_name, revenue, sold
    flagged_messages: list[PaymentMessage]
    expiring_orders: list[Order]


def local_day_start(day: date) -> datetime:
    """When the store-local day `day` begins, aware (TIME_ZONE)."""
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_current_timezone())


def local_today(now: datetime) -> date:
    return timezone.localtime(now).date()


def _spans(days: Iterable[date]) -> list[tuple[datetime, datetime]]:
    """The local days as [start, end) time ranges, adjacent days merged into one range (all
    30 days live are one index range scan, as the dashboard did before the roll-up)."""
    spans: list[list[date]] = []
    for day in sorted(set(days)):
        if spans and spans[-1][1] == day:
            spans[-1][1] = day + timedelta(days=1)
        else:
            spans.append([day, day + timedelta(days=1)])
    return [(local_day_start(first), local_day_start(end)) for first, end in spans]


def _within(time_field: str, spans: list[tuple[datetime, datetime]]) -> Q:
    return functools.reduce(
        operator.or_,
        (Q(**{f"{time_field}__gte": start, f"{time_field}__lt": end}) for start, end in spans),
    )


def _money_sum(field: str, condition: Q) -> Coalesce:
    money = DecimalField(max_digits=14, decimal_places=2)
    return Coalesce(Sum(field, filter=condition), Value(ZERO), output_field=money)


def _per_day(time_field: str, days: list[date], **aggregates) -> dict:
    """`aggregates` (alias prefix -> a function of a day's Q giving an aggregate) for each
    day, aliased f"{prefix}{n}" for the n-th day."""
    return {
        f"{prefix}{n}": make(Q(**{f"{time_field}__gte": start, f"{time_field}__lt": end}))
        for n, (start, end) in enumerate(_spans([day])[0] for day in days)
        for prefix, make in aggregates.items()
    }


def day_figures(days: Iterable[date]) -> dict[date, dict]:
    """The figures of each local day in `days`, aggregated live: four queries (paid orders,
    refunds, created orders, new students) whatever the number of days, each over the days'
    index ranges. Each day's dict has DayFigures' fields and `open_refunds` (refunds asked for
    that day still waiting for the gateway, which the roll-up keeps)."""
    days = sorted(set(days))
    spans = _spans(days)
    count = lambda condition: Count("id", filter=condition)  # noqa: E731
    # Each aggregate is aliased f"{field}{n}" for the n-th day, field one of DAY_FIELDS.
    paid = Order.objects.filter(_within("paid_at", spans)).aggregate(
        **_per_day("paid_at", days, gross=lambda q: _money_sum("real_price", q), paid_orders=count)
    )
    succeeded, requested = Refund.Status.SUCCEEDED, Refund.Status.REQUESTED
    refunds = Refund.objects.filter(
        _within("created_at", spans), status__in=[succeeded, requested],
        order__paid_at__isnull=False,
    ).aggregate(**_per_day(
        "created_at", days,
        refunded=lambda q: _money_sum("amount", q & Q(status=succeeded)),
        refunds=lambda q: count(q & Q(status=succeeded)),
        open_refunds=lambda q: count(q & Q(status=requested)),
    ))  # fmt: skip
    created = Order.objects.filter(_within("created_at", spans)).aggregate(
        **_per_day(
            "created_at", days, created_orders=count,
            created_paid=lambda q: count(q & Q(paid_at__isnull=False)),
        )
    )  # fmt: skip
    students = (
        get_user_model()
        .objects.filter(_within("date_joined", spans), is_staff=False)
        .aggregate(**_per_day("date_joined", days, new_students=count))
    )
    figures = paid | refunds | created | students
    return {
        day: {field: figures[f"{field}{n}"] for field in DAY_FIELDS} for n, day in enumerate(days)
    }


def course_figures(days: Iterable[date]) -> list[dict]:
    """Revenue and lines sold per course (and the name it was sold under) of the orders paid on
    the local `days`: one query, driven from the paid orders (the paid_at index), then each
    order's lines by order_id."""
    paid_ids = Order.objects.filter(_within("paid_at", _spans(days))).values("id")
    return list(
        OrderLine.objects.filter(order_id__in=paid_ids)
        .values("course_id", "course_name")
        .annotate(revenue=Sum("real_price"), sold=Count("id"))
        .order_by()
    )


def _top_courses(*groups: Iterable[dict]) -> list[dict]:
    """The TOP_COURSES of rows (course_id, course_name, revenue, sold) added up per course."""
    totals: dict[tuple[int, str], dict] = {}
    key_of = operator.itemgetter("course_id", "course_name")
    for row in itertools.chain(*groups):
        total = totals.setdefault(key_of(row), {**row, "revenue": ZERO, "sold": 0})
        total["revenue"] += row["revenue"]
        total["sold"] += row["sold"]
    ranked = sorted(totals.values(), key=lambda c: (-c["revenue"], *key_of(c)))
    return ranked[:TOP_COURSES]


def dashboard(*, now: datetime | None = None) -> Dashboard:
    """Nine queries (eight before anything is rolled up): the window's rolled-up days and their
    courses (SalesDay, CourseSalesDay), the days not rolled up yet aggregated live
    (day_figures' four, course_figures' one; today at least), flagged gateway messages,
    unpaid orders about to time out."""
    now = now or timezone.now()
    today = local_today(now)
    window = [today - timedelta(days=n) for n in reversed(range(CHART_DAYS))]
    # Only closed days are rolled up; a row for today (a clock gone wrong) is not trusted.
    rolled = {row.day: row for row in SalesDay.objects.filter(day__gte=window[0], day__lt=today)}
    live_days = [day for day in window if day not in rolled]
    live = day_figures(live_days)
    rolled_courses = (
        CourseSalesDay.objects.filter(day__in=list(rolled))  # no query when nothing is rolled up
        .values("course_id", "course_name")
        .annotate(revenue=Sum("revenue"), sold=Sum("sold"))
        .order_by()
    )
    top_courses = _top_courses(rolled_courses, course_figures(live_days))
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

    fields = [field.name for field in dataclasses.fields(DayFigures) if field.name != "day"]
    days = [
        DayFigures(day=day, **{name: getattr(rolled[day], name) for name in fields})
        if day in rolled
        else DayFigures(day=day, **{name: live[day][name] for name in fields})
        for day in window
    ]
    periods = {}
    for key, length in PERIODS.items():
        period = days[-length:]
        periods[key] = PeriodFigures(
            days=length,
            **{name: sum((getattr(d, name) for d in period), ZERO if name in MONEY else 0)
               for name in fields},
        )  # fmt: skip
    return Dashboard(
        at=now, periods=periods, days=days, top_courses=top_courses,
        flagged_messages=flagged, expiring_orders=expiring,
    )  # fmt: skip
