"""Roll-ups of the same days racing each other in real threads on a real database (a beat
task beside an operator's backfill): no error, no deadlock, one row per day and per course,
and the figures those of a single roll-up."""

import threading
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
