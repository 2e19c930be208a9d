"""The dashboard's figures (luffy.backoffice.reports): local days, revenue = paid - refunded,
conversion, top courses, the two watch lists, and a fixed number of queries."""

from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from luffy.backoffice.reports import CHART_DAYS, dashboard, local_day_start, local_today
from luffy.backoffice.services import sales_days_roll_up
from luffy.orders.models import Order
from luffy.payments.models import PaymentMessage, Refund

pytestmark = pytest.mark.django_db
SHANGHAI = ZoneInfo("Asia/Shanghai")
# 10:00 in Shanghai: "today" began at 00:00 local = 16:00 UTC the day before.
NOW = datetime(2026, 6, 15, 10, 0, tzinfo=SHANGHAI)


def test_local_days():
    start = local_day_start(local_today(NOW))
    assert start == datetime(2026, 6, 15, tzinfo=SHANGHAI)  # today's start, local
    assert start.astimezone(ZoneInfo("UTC")).hour == 16
    # 16:00 UTC is already 00:00 the next day in Shanghai.
    assert local_today(datetime(2026, 6, 15, 16, 0, tzinfo=ZoneInfo("UTC"))).day == 16


def test_figures(make_order, make_user, make_course):
    just_after_midnight = datetime(2026, 6, 15, 0, 5, tzinfo=SHANGHAI)  # still "yesterday" in UTC
    make_order(created=just_after_midnight, paid=just_after_midnight)  # today
    make_order(  # paid 3 days ago, 30 refunded today: today's revenue is 100 - 30
        created=NOW - timedelta(days=3), paid=NOW - timedelta(days=3),
        refunds=[(Decimal("30.00"), NOW - timedelta(hours=1), Refund.Status.SUCCEEDED),
                 (Decimal("5.00"), NOW - timedelta(hours=1), Refund.Status.FAILED)],
    )  # fmt: skip
    make_order(created=NOW - timedelta(days=20), paid=NOW - timedelta(days=20), price="50.00")
    make_order(created=NOW - timedelta(days=40), paid=NOW - timedelta(days=40))  # too old
    make_order(created=NOW - timedelta(hours=2))  # unpaid today: conversion 1 of 2
    # A late payment refunded at once was never a sale: neither revenue nor a refund.
    late = [(Decimal("100.00"), NOW - timedelta(hours=3), Refund.Status.SUCCEEDED)]
    make_order(created=NOW - timedelta(days=1), status=Order.Status.REFUNDED, refunds=late)
    other = make_course(name="算法")
    make_order(created=NOW - timedelta(days=2), paid=NOW - timedelta(days=2), price="300.00",
               course=other)  # fmt: skip
    make_user(date_joined=NOW - timedelta(days=2))
    make_user(date_joined=NOW - timedelta(days=2), is_staff=True)  # staff are not students

    report = dashboard(now=NOW)

    today, week, month = report.periods["today"], report.periods["7d"], report.periods["30d"]
    assert (today.gross, today.refunded, today.revenue) == (Decimal(100), Decimal(30), Decimal(70))
    assert today.paid_orders == 1 and today.refunds == 1
    assert (today.created_orders, today.created_paid, today.conversion) == (2, 1, 0.5)
    assert week.gross == Decimal(500) and week.revenue == Decimal(470) and week.paid_orders == 3
    assert month.gross == Decimal(550) and month.paid_orders == 4
    assert week.new_students == 1  # not the staff member, nor the buyer (joined after NOW)
    assert [d.revenue for d in report.days[-1:]] == [Decimal(70)]
    assert len(report.days) == CHART_DAYS and report.days[-1].day == NOW.date()
    assert [(c["course_name"], c["revenue"]) for c in report.top_courses] == [
        ("算法", Decimal(300)),
        ("数据结构", Decimal(250)),
    ]


def test_watch_lists(make_order):
    now = timezone.now()
    soon = make_order(created=now - timedelta(hours=11, minutes=30))  # deadline in 30 min
    make_order(created=now - timedelta(hours=2))  # deadline in 10 h: not yet
    make_order(created=now - timedelta(hours=13))  # past its deadline (the sweep's)
    PaymentMessage.objects.create(source="notify", out_trade_no="N1", raw={}, flagged=True,
                                  detail="amount mismatch")  # fmt: skip
    PaymentMessage.objects.create(source="notify", out_trade_no="N2", raw={})
    report = dashboard(now=now)
    assert [o.id for o in report.expiring_orders] == [soon.id]
    assert [m.detail for m in report.flagged_messages] == ["amount mismatch"]


@pytest.mark.parametrize("orders_per_day", [1, 4])
def test_a_fixed_number_of_queries(make_order, django_assert_num_queries, orders_per_day):
    for days in range(12):
        for _ in range(orders_per_day):
            make_order(created=NOW - timedelta(days=days), paid=NOW - timedelta(days=days))
    with django_assert_num_queries(8):  # nothing rolled up: every day live
        dashboard(now=NOW)
    sales_days_roll_up(days=[NOW.date() - timedelta(days=n) for n in (1, 2, 5)], now=NOW)
    with django_assert_num_queries(9):  # + the rolled-up days' courses
        dashboard(now=NOW)
