"""Tasks through a real Celery worker consuming from the configured broker (the embedded Redis
by default; CI also runs this on the system Redis and on RabbitMQ)."""

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django_celery_results.models import TaskResult

from luffy.config.celery import app
from luffy.users import tasks


@pytest.fixture
def real_worker():
    app.conf.task_always_eager = False
    try:
        with start_worker(
            app,
            pool="threads",
            concurrency=2,
            perform_ping_check=False,
            loglevel="WARNING",
            shutdown_timeout=60,  # a task still finishing on a busy machine, not a hang
        ) as worker:
            yield worker
    finally:
        app.conf.task_always_eager = True


def wait_until(condition, seconds=20.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.django_db(transaction=True)
def test_sms_code_is_sent_by_the_worker_and_recorded(api_client, sms_outbox, real_worker):
    response = api_client.get("/api/users/sms/13912340000/")
    assert response.status_code == 200
    assert wait_until(lambda: sms_outbox)
    assert sms_outbox[0][0] == "13912340000"
    assert wait_until(
        lambda: TaskResult.objects.filter(
            task_name="luffy.users.tasks.send_sms_task", status="SUCCESS"
        ).exists()
    )


@pytest.mark.django_db(transaction=True)
def test_failed_send_is_retried_by_the_worker(monkeypatch, real_worker):
    sent, failures = [], [2]

    def flaky(mobile, message):
        if failures[0]:
            failures[0] -= 1
            raise OSError("SMS provider timeout")
        sent.append(mobile)

    monkeypatch.setattr(tasks, "send_sms", flaky)
    tasks.send_sms_task.delay("13912340001", "hello", "retry-1")
    assert wait_until(lambda: sent == ["13912340001"], seconds=30)
    assert failures == [0]


@pytest.mark.django_db(transaction=True)
def test_the_worker_writes_its_heartbeat(client, real_worker):
    """/healthz reports when a worker last finished a task (issue 14)."""
    from luffy.payments.tasks import expire_unpaid_orders

    def worker_beat():
        return client.get("/healthz").json()["heartbeats"]["worker"]

    expire_unpaid_orders.delay()
    assert wait_until(lambda: client.get("/healthz").json()["heartbeats"]["sweep"] is not None)
    assert wait_until(lambda: worker_beat() is not None)
    assert worker_beat()["seconds_ago"] < 60


@pytest.mark.django_db(transaction=True)
def test_the_request_id_follows_the_task_to_the_worker(api_client, monkeypatch, real_worker):
    """A task queued by a request logs under the request's id in the worker (issue 14)."""
    from luffy.common.logs import request_id_var

    seen = []

    def send(mobile, message):
        seen.append(request_id_var.get())

    monkeypatch.setattr(tasks, "send_sms", send)
    response = api_client.get("/api/users/sms/13912340002/", HTTP_X_REQUEST_ID="req-sms-1")
    assert response.status_code == 200
    assert wait_until(lambda: seen)
    assert seen == ["req-sms-1"]
    # A task nobody's request queued (beat's) logs under its own task id.
    result = tasks.send_sms_task.delay("13912340003", "hello", "no-request")
    assert wait_until(lambda: len(seen) == 2)
    assert seen[1] == result.id


@pytest.mark.django_db(transaction=True)
def test_routine_sweep_successes_are_not_stored_but_failures_are(client, monkeypatch, real_worker):
    """Issue 15: the per-minute sweep's successes are noise in the results table; a failure is
    kept (task_store_errors_even_if_ignored)."""
    from luffy.payments import tasks as payment_tasks

    sweep = payment_tasks.expire_unpaid_orders
    name = "luffy.payments.tasks.expire_unpaid_orders"
    sweep.delay()
    # It ran: its heartbeat is written at its end.
    assert wait_until(lambda: client.get("/healthz").json()["heartbeats"]["sweep"] is not None)
    time.sleep(0.5)  # the worker's result handling follows the task body
    assert not TaskResult.objects.filter(task_name=name, status="SUCCESS").exists()

    def broken(**kwargs):
        raise RuntimeError("database gone")

    monkeypatch.setattr(payment_tasks, "orders_expire", broken)
    sweep.delay()
    assert wait_until(lambda: TaskResult.objects.filter(task_name=name, status="FAILURE").exists())
    assert not TaskResult.objects.filter(task_name=name, status="SUCCESS").exists()
