"""Exactly once, even when two beats run: each periodic job holds a Redis lock while it works,
and a second copy started meanwhile returns at once without doing the work (no second round
of gateway calls). Real threads and the real Redis; the job body is held open by an event so
the two copies overlap for certain."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import call_command

from luffy.payments import tasks
from luffy.payments.services.jobs import SweepReport

pytestmark = pytest.mark.django_db


def _held_open(monkeypatch, name: str, result):
    """Replace the job body `name` in tasks with one that signals it started, waits to be let
    go, and counts its calls."""
    started, release, calls = threading.Event(), threading.Event(), []

    def body(**kwargs):
        calls.append(kwargs)
        started.set()
        assert release.wait(10), "the test never let the job finish"
        return result

    monkeypatch.setattr(tasks, name, body)
    return started, release, calls


def _run_in_thread(fn):
    box = {}
    thread = threading.Thread(target=lambda: box.setdefault("value", fn()), daemon=True)
    thread.start()
    return thread, box


def test_a_second_sweep_returns_at_once_while_the_first_works(monkeypatch):
    started, release, calls = _held_open(monkeypatch, "orders_expire", SweepReport(timed_out=7))
    first, box = _run_in_thread(tasks.expire_unpaid_orders)
    assert started.wait(10)
    assert tasks.expire_unpaid_orders() == 0  # the second copy: at once, nothing done
    release.set()
    first.join(10)
    assert box["value"] == 7
    assert len(calls) == 1
    # the lock went with the first copy: the next minute's sweep runs
    release.set()
    assert tasks.expire_unpaid_orders() == 7
    assert len(calls) == 2


def test_a_second_reconciliation_returns_at_once_without_gateway_calls(monkeypatch):
    counts = {"checked": 3, "settled": 1, "refunded": 0, "flagged": 0}
    started, release, calls = _held_open(monkeypatch, "payments_reconcile", counts)
    first, box = _run_in_thread(tasks.reconcile_payments)
    assert started.wait(10)
    assert tasks.reconcile_payments() == {"skipped": True}
    out = StringIO()
    call_command("reconcile_payments", stdout=out)
    assert "另一个对账任务正在运行" in out.getvalue()
    release.set()
    first.join(10)
    assert box["value"] == counts
    assert len(calls) == 1


def test_the_two_jobs_do_not_lock_each_other_out(monkeypatch):
    started, release, _ = _held_open(monkeypatch, "orders_expire", SweepReport(timed_out=1))
    monkeypatch.setattr(tasks, "payments_reconcile", lambda **kw: {"checked": 0})
    first, _ = _run_in_thread(tasks.expire_unpaid_orders)
    assert started.wait(10)
    try:
        assert tasks.reconcile_payments() == {"checked": 0}
    finally:
        release.set()
        first.join(10)


def test_without_redis_the_job_still_runs(monkeypatch):
    """The lock saves doubled work; the jobs are correct without it (conditional updates), so
    a Redis outage must not stop the sweep."""
    from redis.exceptions import ConnectionError as RedisConnectionError

    from luffy.common import redis as common_redis

    class DeadLock:
        def acquire(self, blocking=True):
            raise RedisConnectionError("down")

    class DeadClient:
        def lock(self, *args, **kwargs):
            return DeadLock()

    monkeypatch.setattr(common_redis, "redis_client", lambda: DeadClient())
    monkeypatch.setattr(tasks, "orders_expire", lambda **kw: SweepReport(timed_out=5))
    assert tasks.expire_unpaid_orders() == 5
