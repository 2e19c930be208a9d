"""/healthz tells the truth about the broker too, answers quickly whatever hangs, and reports
the heartbeats of the sweep and the worker without failing on them (issue 14)."""

import socket
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from luffy.common import health

pytestmark = pytest.mark.django_db


@pytest.fixture
def silent_server():
    """A TCP port that accepts connections and never answers a byte."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    accepted = []
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                accepted.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    for conn in accepted:
        conn.close()
    server.close()


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_health(client):
    started = time.monotonic()
    response = client.get("/healthz")
    return response, time.monotonic() - started


def test_broker_is_checked(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["checks"]["broker"] == "ok"


def test_wrong_broker_url_is_503_naming_the_broker(client):
    with override_settings(CELERY_BROKER_URL=f"redis://127.0.0.1:{closed_port()}/0"):
        response, _ = get_health(client)
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["broker"].startswith("down")
    assert body["checks"]["database"] == body["checks"]["redis"] == "ok"


def _with_password(url: str, password: str) -> str:
    """The broker URL with wrong credentials. (A Redis without a password accepts any password
    alone, so the Redis URLs name a user too: an ACL login that fails.)"""
    parts = urlsplit(url)
    user = parts.username or ("guest" if parts.scheme.startswith("amqp") else "luffy-nobody")
    if parts.scheme == "redis+socket":  # kombu: redis+socket://user:password@/path
        return url.replace("redis+socket://", f"redis+socket://{user}:{password}@", 1)
    netloc = parts.netloc.rpartition("@")[2]
    return urlunsplit(parts._replace(netloc=f"{user}:{password}@{netloc}"))


def test_wrong_broker_password_is_503_naming_the_broker(client):
    wrong = _with_password(settings.CELERY_BROKER_URL, "not-the-password")
    with override_settings(CELERY_BROKER_URL=wrong):
        response, _ = get_health(client)
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("down")


def test_a_broker_that_never_answers_is_503_within_the_timeout(client, silent_server):
    with override_settings(
        CELERY_BROKER_URL=f"redis://127.0.0.1:{silent_server}/0", HEALTH_CHECK_TIMEOUT=1.0
    ):
        response, took = get_health(client)
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("down")
    assert took < 3


def test_a_redis_that_never_answers_is_503_within_the_timeout(client, silent_server):
    from django_redis.pool import ConnectionFactory

    cache = {
        **settings.CACHES["default"],
        "LOCATION": f"redis://127.0.0.1:{silent_server}/0",
        "OPTIONS": {**settings.CACHES["default"]["OPTIONS"], "SOCKET_TIMEOUT": 30},
    }
    ConnectionFactory._pools.clear()
    try:
        with override_settings(CACHES={"default": cache}, HEALTH_CHECK_TIMEOUT=1.0):
            response, took = get_health(client)
    finally:
        ConnectionFactory._pools.clear()
    assert response.status_code == 503
    assert response.json()["checks"]["redis"] == "down: timeout"
    assert took < 3


def test_heartbeats_are_reported_and_never_fail_the_check(client):
    body = client.get("/healthz").json()
    assert body["heartbeats"] == {"sweep": None, "reconcile": None, "worker": None}
    health.heartbeat_record("worker", now=timezone.now() - timedelta(hours=3))
    response = client.get("/healthz")
    assert response.status_code == 200  # a stale worker is reported, not a 503
    worker = response.json()["heartbeats"]["worker"]
    assert 3 * 3600 <= worker["seconds_ago"] < 3 * 3600 + 60
    assert worker["at"].endswith("+08:00")  # the store's time zone, with its offset


def test_the_sweep_writes_its_heartbeat(client):
    from luffy.payments.tasks import expire_unpaid_orders

    expire_unpaid_orders.apply().get()
    sweep = client.get("/healthz").json()["heartbeats"]["sweep"]
    assert sweep is not None and sweep["seconds_ago"] < 60


def test_eager_tasks_are_not_a_worker_heartbeat(client):
    from luffy.payments.tasks import expire_unpaid_orders

    expire_unpaid_orders.apply().get()  # in this process, not a worker
    assert client.get("/healthz").json()["heartbeats"]["worker"] is None
