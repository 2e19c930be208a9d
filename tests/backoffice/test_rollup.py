"""The dashboard's daily roll-up (luffy.backoffice.services, tasks, the roll_up_sales command):
the rolled-up dashboard shows exactly what the live computation shows, which days are due,
rolling up again replaces a day, and only closed days are rolled up."""

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from luffy.backoffice import tasks
from luffy.backoffice.models import CourseSalesDay, SalesDay
from luffy.backoffice.reports import CHART_DAYS, dashboard
from luffy.backoffice.services import sales_days_due, sales_days_roll_up
from luffy.payments.models import Refund

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()
CLOSED = [TODAY - timedelta(days=n) for n in range(1, CHART_DAYS)]
SUCCEEDED, REQUESTED = Refund.Status.SUCCEEDED, Refund.Status.REQUESTED


def at(day_offset: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    """A local time `day_offset` days before TODAY."""
    day = TODAY - timedelta(days=day_offset)
    return datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=SHANGHAI)


def comparable(report) -> tuple:
    messages, orders = report.flagged_messages, report.expiring_orders
    return (report.periods, report.days, report.top_courses,
            [m.id for m in messages], [o.id for o in orders])  # fmt: skip


@pytest.fixture
def store(make_order, make_user, make_course):
    """A month of sales with refunds and local-midnight boundaries (00:00 local is 16:00 UTC
    the day before: a UTC day would file these on the wrong day)."""
    other = make_course(name="算法")
    make_order(created=at(3, 23, 59, 59), paid=at(3, 23, 59, 59), price="11.00")  # day 3
    make_order(created=at(3, 23, 59), paid=at(2, 0, 0, 0), price="13.00")  # paid day 2
    make_order(created=at(2, 0, 0, 1), paid=at(2, 0, 0, 1), price="17.00", course=other)
    make_order(  # paid on day 5, refunded on day 4 (30, counted there) and today (5)
        created=at(5, 12), paid=at(5, 12), price="200.00",
        refunds=[(Decimal("30.00"), at(4, 0, 0, 0), SUCCEEDED),
                 (Decimal("7.00"), at(4, 9), Refund.Status.FAILED),
                 (Decimal("5.00"), at(0, 1), SUCCEEDED)],
    )  # fmt: skip
    make_order(created=at(6, 8), paid=at(6, 8), price="40.00", course=other,
               course_name="算法（旧名）")  # sold under an older name  # fmt: skip
    make_order(created=at(6, 9))  # never paid: conversion 1 of 2 on day 6
    late = [(Decimal("100.00"), at(1, 3), SUCCEEDED)]  # a late payment refunded at once
    make_order(created=at(1, 1), status=4, refunds=late)
    make_order(created=at(29, 10), paid=at(29, 10), price="60.00")  # the window's first day
    make_order(created=at(30, 10), paid=at(30, 10), price="70.00")  # before the window
    make_order(created=at(0, 0, 0, 0), paid=at(0, 0, 30), price="19.00")  # today
    make_user(date_joined=at(2, 23, 59, 59))
    make_user(date_joined=at(1, 0, 0, 0))
    make_user(date_joined=at(1, 12), is_staff=True)


def test_the_rolled_up_dashboard_equals_the_live_one(store):
    live = dashboard(now=NOW)
    assert sales_days_roll_up(days=CLOSED, now=NOW) == CHART_DAYS - 1
    rolled = dashboard(now=NOW)
    assert comparable(rolled) == comparable(live)
    # ...and both are right, day by day (local days, refunds on the day they were asked for).
    by_day = {d.day: d for d in rolled.days}
    assert by_day[TODAY - timedelta(days=3)].gross == Decimal("11.00")
    assert by_day[TODAY - timedelta(days=2)].gross == Decimal("30.00")
    assert by_day[TODAY - timedelta(days=4)].refunded == Decimal("30.00")
    assert (by_day[TODAY].gross, by_day[TODAY].refunded) == (Decimal("19.00"), Decimal("5.00"))
    assert by_day[TODAY - timedelta(days=1)].refunded == 0  # never paid: not a refund
    assert by_day[TODAY - timedelta(days=29)].gross == Decimal("60.00")
    month = rolled.periods["30d"]
    assert month.gross == Decimal("11") + 30 + 200 + 40 + 60 + 19
    assert (month.refunds, month.refunded) == (2, Decimal("35.00"))
    assert (month.created_orders, month.created_paid) == (9, 7)
    assert rolled.periods["7d"].new_students == 2
    assert rolled.periods["today"].paid_orders == 1
    assert [(c["course_name"], c["revenue"], c["sold"]) for c in rolled.top_courses] == [
        ("数据结构", Decimal("303.00"), 5),
        ("算法（旧名）", Decimal("40.00"), 1),
        ("算法", Decimal("17.00"), 1),
    ]


def test_the_dashboard_reads_rolled_up_days_and_aggregates_the_rest(store, make_order):
    sales_days_roll_up(days=CLOSED[:3], now=NOW)  # days 1-3 rolled up, 4-29 still live
    live_before = dashboard(now=NOW)
    SalesDay.objects.filter(day=TODAY - timedelta(days=3)).update(gross=Decimal("999.00"))
    make_order(created=at(4, 10), paid=at(4, 10), price="1.00")  # a live day changes at once
    report = dashboard(now=NOW)
    by_day = {d.day: d for d in report.days}
    assert by_day[TODAY - timedelta(days=3)].gross == Decimal("999.00")  # from the roll-up
    assert by_day[TODAY - timedelta(days=4)].gross == Decimal("1.00")  # live
    assert report.periods["30d"].gross == live_before.periods["30d"].gross + 988 + 1


def test_rolling_up_again_replaces_the_day(store, make_order):
    day = TODAY - timedelta(days=6)
    sales_days_roll_up(days=[day], now=NOW)
    sales_days_roll_up(days=[day], now=NOW)  # idempotent: no second set of rows
    assert SalesDay.objects.filter(day=day).count() == 1
    assert CourseSalesDay.objects.filter(day=day).count() == 1
    # The late settlement of the unpaid order of that day, at the gateway's earlier time:
    from luffy.orders.models import Order

    Order.objects.filter(paid_at__isnull=True, created_at=at(6, 9)).update(
        status=1, paid_at=at(6, 9, 5)
    )
    later = NOW + timedelta(hours=1)
    sales_days_roll_up(days=[day], now=later)
    row = SalesDay.objects.get(day=day)
    assert (row.gross, row.paid_orders, row.created_paid, row.rolled_up_at) == (
        Decimal("140.00"), 2, 2, later,
    )  # fmt: skip
    assert sorted(CourseSalesDay.objects.filter(day=day).values_list("course_name", "revenue")) == [
        ("数据结构", Decimal("100.00")),
        ("算法（旧名）", Decimal("40.00")),
    ]
    assert comparable(dashboard(now=later)) == comparable(_live(later))


def _live(now):
    """The dashboard with nothing rolled up (the roll-up's rows put aside in a savepoint)."""
    from django.db import transaction

    with transaction.atomic():
        CourseSalesDay.objects.all().delete()
        SalesDay.objects.all().delete()
        report = dashboard(now=now)
        transaction.set_rollback(True)
    return report


def test_which_days_are_due(store, make_order, settings):
    settings.DASHBOARD_ROLLUP_SETTLE_HOURS = 48
    assert sales_days_due(now=NOW) == sorted(CLOSED)  # nothing rolled up yet
    sales_days_roll_up(days=CLOSED, now=NOW)
    # Rolled up at NOW: a day is final 48 h after it ended, so days 1 and 2 are not yet.
    assert sales_days_due(now=NOW) == [TODAY - timedelta(days=2), TODAY - timedelta(days=1)]
    # A refund of day 9 still waiting for the gateway keeps day 9 due until it is answered.
    order = make_order(created=at(9, 10), paid=at(9, 10),
                       refunds=[(Decimal("10.00"), at(9, 11), REQUESTED)])  # fmt: skip
    sales_days_roll_up(days=[TODAY - timedelta(days=9)], now=NOW)
    nine = TODAY - timedelta(days=9)
    assert SalesDay.objects.get(day=nine).open_refunds == 1
    assert nine in sales_days_due(now=NOW)
    order.refunds.update(status=SUCCEEDED)
    sales_days_roll_up(days=[nine], now=NOW)
    assert nine not in sales_days_due(now=NOW)
    assert SalesDay.objects.get(day=nine).refunded == Decimal("10.00")
    # The next morning: the two days rolled up too early are still due, and the new yesterday.
    tomorrow = NOW + timedelta(days=1)
    assert sales_days_due(now=tomorrow) == [TODAY - timedelta(days=n) for n in (2, 1, 0)]
    # Rolled up once they had settled, they are final.
    sales_days_roll_up(days=[TODAY - timedelta(days=2)], now=at(-1, 0, 0, 0))
    assert sales_days_due(now=tomorrow) == [TODAY - timedelta(days=n) for n in (1, 0)]
    assert comparable(dashboard(now=NOW)) == comparable(_live(NOW))


def test_only_closed_days_are_rolled_up():
    with pytest.raises(ValueError, match="not over yet"):
        sales_days_roll_up(days=[TODAY - timedelta(days=1), TODAY], now=NOW)
    assert not SalesDay.objects.exists()  # nothing half-done
    SalesDay.objects.create(
        day=TODAY, gross=Decimal("5.00"), refunded=0, paid_orders=1, refunds=0,
        created_orders=1, created_paid=1, new_students=0, open_refunds=0, rolled_up_at=NOW,
    )  # fmt: skip
    assert dashboard(now=NOW).periods["today"].gross == 0  # today is always live


def test_the_command_backfills_and_refuses_open_days(make_order):
    now = timezone.now()
    today = timezone.localtime(now).date()
    make_order(created=now - timedelta(days=40), paid=now - timedelta(days=40))
    out = StringIO()
    call_command("roll_up_sales", "--since", str(today - timedelta(days=45)), stdout=out)
    assert "45" in out.getvalue()
    assert SalesDay.objects.count() == 45  # older than the dashboard's window too
    assert SalesDay.objects.filter(paid_orders=1).count() == 1
    with pytest.raises(CommandError):
        call_command("roll_up_sales", "--since", str(today), stdout=StringIO())
    with pytest.raises(CommandError):
        call_command("roll_up_sales", "--since", str(today - timedelta(days=1)),
                     "--until", str(today - timedelta(days=2)), stdout=StringIO())  # fmt: skip
    with pytest.raises(CommandError):
        call_command("roll_up_sales", "--since", "yesterday", stdout=StringIO())
    out = StringIO()
    call_command("roll_up_sales", stdout=out)  # what beat runs: the not-final recent days
    assert SalesDay.objects.count() == 45


def test_a_second_roll_up_returns_at_once_while_the_first_works(monkeypatch):
    started, release, calls = threading.Event(), threading.Event(), []

    def body(**kwargs):
        calls.append(kwargs)
        started.set()
        assert release.wait(10)
        return 3

    monkeypatch.setattr(tasks, "sales_days_roll_up", body)
    box = {}
    first = threading.Thread(target=lambda: box.setdefault("v", tasks.roll_up_sales_days()))
    first.start()
    try:
        assert started.wait(10)
        assert tasks.roll_up_sales_days() == {"skipped": True}
        for args in ([], ["--since", "2026-01-01", "--until", "2026-01-31"]):  # beat's, backfill
            out = StringIO()
            call_command("roll_up_sales", *args, stdout=out)
            assert "另一个汇总任务正在运行" in out.getvalue()
        assert not SalesDay.objects.exists()
    finally:
        release.set()
        first.join(10)
    assert box["v"] == {"rolled_up": 3} and len(calls) == 1
