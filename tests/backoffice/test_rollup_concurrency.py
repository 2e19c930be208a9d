"""Roll-ups of the same days racing each other in real threads on a real database (a beat
task beside an operator's backfill): no error, no deadlock, one row per day and per course,
and the figures those of a single roll-up."""

import threading
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from luffy.backoffice.models import CourseSalesDay, SalesDay
from luffy.backoffice.reports import dashboard
from luffy.backoffice.services import sales_days_roll_up

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]

THREADS = 6
ROUNDS = 3
JOIN_TIMEOUT = 60


def _race(calls) -> list[BaseException]:
    barrier = threading.Barrier(len(calls), timeout=JOIN_TIMEOUT)
    errors: list[BaseException] = []

    def run(call):
        try:
            barrier.wait()
            call()
        except BaseException as exc:  # reported to the test, never swallowed
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,), daemon=True) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    return errors


def test_concurrent_roll_ups_of_the_same_days(make_order, make_course):
    now = timezone.now()
    today = timezone.localtime(now).date()
    other = make_course(name="算法")
    for n in range(1, 4):
        paid = now - timedelta(days=n)
        make_order(created=paid, paid=paid, price="100.00")
        make_order(created=paid, paid=paid, price="30.00", course=other)
    days = [today - timedelta(days=n) for n in range(1, 4)]
    live = dashboard(now=now)
    for round_ in range(ROUNDS):
        # Half the threads roll the days up in one order, half in the other.
        orders = [days, days[::-1]]
        calls = [(lambda d=orders[i % 2]: sales_days_roll_up(days=d)) for i in range(THREADS)]
        assert _race(calls) == [], f"round {round_}"
        assert SalesDay.objects.filter(day__in=days).count() == 3
        assert CourseSalesDay.objects.filter(day__in=days).count() == 6
    rolled = dashboard(now=now)
    assert (rolled.periods, rolled.days, rolled.top_courses) == (
        live.periods, live.days, live.top_courses,
    )  # fmt: skip


def test_a_roll_up_never_waits_for_another_days(make_order, make_course, monkeypatch):
    """A roll-up of one day, paused before it commits, holding its locks, does not hold up a
    roll-up of the next day: each touches only its own day's course rows (on MariaDB a
    delete-and-insert of the day's rows locked the neighbouring day's too, and two roll-ups
    deadlocked in CI)."""
    from luffy.backoffice import services

    if connection.vendor == "sqlite":
        pytest.skip("SQLite has one writer: every roll-up waits for the one writing")
    now = timezone.now()
    today = timezone.localtime(now).date()
    other = make_course(name="算法")
    for n in (1, 2):
        paid = now - timedelta(days=n)
        make_order(created=paid, paid=paid, price="100.00")
        make_order(created=paid, paid=paid, price="30.00", course=other)
    first, second = today - timedelta(days=2), today - timedelta(days=1)
    sales_days_roll_up(days=[first, second])  # both days have their course rows

    replace = services._course_rows_replace
    paused, go_on = threading.Event(), threading.Event()

    def replace_then_wait(day, rows):
        replace(day, rows)
        if day == first:
            paused.set()
            assert go_on.wait(JOIN_TIMEOUT)

    monkeypatch.setattr(services, "_course_rows_replace", replace_then_wait)
    holder = threading.Thread(target=lambda: _race([lambda: sales_days_roll_up(days=[first])]))
    holder.start()
    try:
        assert paused.wait(JOIN_TIMEOUT)
        started = time.monotonic()
        assert _race([lambda: sales_days_roll_up(days=[second])]) == []
        assert time.monotonic() - started < 5, "the second day waited for the first's locks"
    finally:
        go_on.set()
        holder.join(JOIN_TIMEOUT)
    assert CourseSalesDay.objects.filter(day__in=[first, second]).count() == 4
