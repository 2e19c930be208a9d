"""One stuck row must not stop the store (issue 11, section 4), and a dropped database
connection is a JSON 503 (section 3). PostgreSQL and MariaDB only: SQLite has no row locks and
no server to drop the connection."""

from __future__ import annotations

import threading
import time

import pytest
from django.conf import settings
from django.db import OperationalError, connection, connections
from django.test import RequestFactory
from django.utils import timezone

from luffy.common.middleware import ApiErrorMiddleware
from luffy.orders.models import Order
from luffy.payments import alipay
from tests.order_fixtures import checkout
from tests.payments.test_notify import notify_params, post_notify

pytestmark = [pytest.mark.real_db, pytest.mark.django_db(transaction=True)]

needs_server = pytest.mark.skipif(
    "connection.vendor not in ('postgresql', 'mysql')",
    reason="needs PostgreSQL or MariaDB",
)


@pytest.fixture
def order(auth_client, make_course, in_cart) -> Order:
    in_cart(auth_client, make_course(price="100.00"))
    body = checkout(auth_client).json()
    return Order.objects.get(order_number=body["order_number"])


@pytest.fixture
def hold_row():
    """hold_row(order): another connection takes SELECT ... FOR UPDATE on the order's row and
    keeps it until the test ends (as a stuck request or a person in a SQL shell would)."""
    other = connections.create_connection("default")
    table = Order._meta.db_table

    def hold(order: Order) -> None:
        other.set_autocommit(False)
        with other.cursor() as cursor:
            sql = f"SELECT id FROM {table} WHERE id = %s FOR UPDATE"  # noqa: S608 (model table)
            cursor.execute(sql, [order.id])
            cursor.fetchall()

    yield hold
    other.rollback()
    other.close()


def in_thread(call):
    result: dict = {}

    def run():
        started = time.monotonic()
        try:
            result["response"] = call()
        finally:
            result["seconds"] = time.monotonic() - started
            connection.close()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, result


def assert_store_answers_meanwhile(client, thread) -> None:
    """While the request waits on the row, other requests are answered promptly."""
    time.sleep(0.5)
    assert thread.is_alive(), "the request did not wait on the held row"
    for path in ("/healthz", "/api/courses/"):
        started = time.monotonic()
        response = client.get(path)
        assert response.status_code == 200, (path, response.content[:200])
        assert time.monotonic() - started < 2, path


@needs_server
def test_notify_for_a_held_order_gives_up_with_failure(client, order, hold_row):
    hold_row(order)
    thread, result = in_thread(lambda: post_notify(client, notify_params(order)))
    assert_store_answers_meanwhile(client, thread)
    thread.join(settings.DB_LOCK_TIMEOUT + 10)
    assert not thread.is_alive(), "the notify is still waiting"
    assert result["response"].content == b"failure"  # the gateway retries it later
    assert result["seconds"] < settings.DB_LOCK_TIMEOUT + 3
    order.refresh_from_db()
    assert order.status == Order.Status.UNPAID


@needs_server
def test_return_for_a_held_order_is_a_json_503(auth_client, client, order, hold_row, monkeypatch):
    paid = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    answer = {
        "code": alipay.SUCCESS, "msg": "Success", "out_trade_no": order.order_number,
        "trade_no": "2026112522001400000000000009", "trade_status": "TRADE_SUCCESS",
        "total_amount": f"{order.real_price:.2f}", "send_pay_date": paid,
    }  # fmt: skip
    monkeypatch.setattr(alipay, "trade_query", lambda out_trade_no: answer)
    params = notify_params(order)  # signed: the return carries a subset, signed the same way
    hold_row(order)
    thread, result = in_thread(lambda: auth_client.get("/api/payments/alipay/result/", params))
    assert_store_answers_meanwhile(client, thread)
    thread.join(settings.DB_LOCK_TIMEOUT + 10)
    assert not thread.is_alive(), "the return is still waiting"
    response = result["response"]
    assert response.status_code == 503, response.content
    assert response.json()["code"] == "database_busy"
    assert result["seconds"] < settings.DB_LOCK_TIMEOUT + 3


def _kill(pid: int) -> None:
    killer = connections.create_connection("default")
    try:
        with killer.cursor() as cursor:
            if connection.vendor == "postgresql":
                cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
            else:
                cursor.execute(f"KILL {int(pid)}")
    finally:
        killer.close()


def _backend_pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_backend_pid()"
            if connection.vendor == "postgresql"
            else "SELECT CONNECTION_ID()"
        )
        return cursor.fetchone()[0]


@needs_server
@pytest.mark.parametrize("path", ["/api/orders/", "/api/courses/"])
def test_dropped_connection_is_a_json_503(auth_client, user, path):
    _kill(_backend_pid())
    try:
        response = auth_client.get(path)
    finally:
        connection.close()  # Django replaces it on the next use, as after any request
    assert response.status_code == 503, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "database_busy"
    assert auth_client.get(path).status_code == 200  # the next request reconnects


def test_non_drf_api_views_answer_503_on_database_errors():
    request = RequestFactory().get("/api/anything/")
    middleware = ApiErrorMiddleware(lambda request: None)
    response = middleware.process_exception(request, OperationalError("server closed"))
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    page = RequestFactory().get("/admin/")
    assert middleware.process_exception(page, OperationalError("server closed")) is None


def test_timeouts_reach_the_database_connection():
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW lock_timeout")
            assert cursor.fetchone()[0] == f"{settings.DB_LOCK_TIMEOUT}s"
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] == f"{settings.DB_STATEMENT_TIMEOUT}s"
    elif connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT @@innodb_lock_wait_timeout, @@max_statement_time")
            lock, statement = cursor.fetchone()
        assert int(lock) == settings.DB_LOCK_TIMEOUT
        assert float(statement) == settings.DB_STATEMENT_TIMEOUT
    else:
        pytest.skip("SQLite: a busy timeout instead (see tune_database)")
