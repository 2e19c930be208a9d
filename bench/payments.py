"""Payment benchmark: median ms and SQL queries for
(a) creating the pay URL of a fresh order (GET /api/payments/alipay/?order_number=, keys
    parsed once per process),
(b) settling a 5-line order (coupon and credit reserved) through the notify endpoint (POST,
    form-encoded and signed exactly as the gateway sends it), each run a fresh order;
and (c) notifies settled per second through gunicorn (2 workers) on PostgreSQL.

    .venv/bin/python bench/payments.py [--repeat 50] [--notifies 400] [--clients 4]
        [--pg postgres://postgres@127.0.0.1:5432/luffy_bench_payments | --pg none]

(a) and (b) run in-process (Django test client) on a throw-away SQLite file and a private
embedded Redis (or DATABASE_URL / REDIS_URL if set). (c) drops and re-creates the --pg
database (its name must contain "bench"), migrates it, places --notifies orders there, starts
gunicorn on 127.0.0.1 and POSTs their signed notifies from --clients threads. The seed
chapter's design took about 29 ms for a pay URL and 27 queries for a settlement."""

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

# Keys of its own: the pay URL must not depend on a developer's var/alipay.
os.environ.setdefault("ALIPAY_KEY_DIR", tempfile.mkdtemp(prefix="luffy-bench-keys-"))

from _django import make_courses
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework_simplejwt.tokens import RefreshToken

from luffy.alipay_sandbox.signing import signed_callback
from luffy.cart.services import cart_add
from luffy.common.redis import redis_client
from luffy.coupons.models import Coupon
from luffy.coupons.services import coupon_grant
from luffy.orders.models import Order
from luffy.orders.services import order_create
from luffy.users.models import User

ROOT = Path(__file__).resolve().parent.parent
NOTIFY_URL = "/api/payments/alipay/result/"


_users = iter(range(10**6))


def place_order(courses, coupon: Coupon) -> Order:
    """A fresh buyer with 500 points and a coupon checks out the courses (real services):
    an unpaid order holding the coupon and 200 points."""
    n = next(_users)
    user = User.objects.create_user(
        username=f"buyer{n}",
        mobile=f"139{n:08d}",
        password=None,
        credit=500,
    )
    coupon_grant(coupon=coupon, user_ids=[user.id], start=timezone.now() - timezone.timedelta(1))
    for course in courses:
        cart_add(user_id=user.id, course_id=course.id)
    user_coupon = user.coupons.get()
    result = order_create(
        user_id=user.id, pay_type=Order.PayType.ALIPAY, coupon_id=user_coupon.id, credit=200
    )
    return result.order


def notify_params(order: Order) -> dict:
    """A TRADE_SUCCESS notify with the gateway's full field set, signed with its key."""
    total = f"{order.real_price:.2f}"
    now = timezone.localtime().strftime("%Y-%m-%d %H:%M:%S")
    return signed_callback({
        "notify_time": now, "notify_type": "trade_status_sync",
        "notify_id": "n-" + order.order_number, "app_id": settings.ALIPAY_APP_ID,
        "auth_app_id": settings.ALIPAY_APP_ID, "charset": "utf-8", "version": "1.0",
        "trade_no": "2026" + order.order_number[-24:].rjust(24, "0"),
        "out_trade_no": order.order_number, "buyer_id": "2088102177846880",
        "buyer_logon_id": "abc***@example.com", "seller_id": settings.ALIPAY_SELLER_ID,
        "seller_email": "shop@example.com", "trade_status": "TRADE_SUCCESS",
        "total_amount": total, "receipt_amount": total, "invoice_amount": total,
        "buyer_pay_amount": total, "point_amount": "0.00", "subject": order.title,
        "gmt_create": now, "gmt_payment": now,
        "fund_bill_list": json.dumps([{"amount": total, "fundChannel": "ALIPAYACCOUNT"}]),
    })  # fmt: skip


CPU_MS: list[float] = []  # this thread's CPU time of the last case's runs (see measure)


def measure(request) -> tuple[float, int, object]:
    """ms and SQL statements of a call, counted as the tests count them (on SQLite that
    includes BEGIN IMMEDIATE and COMMIT). The thread's CPU time goes to CPU_MS: on a busy
    machine it shows what the wall time would be without waiting for a core (with SQLite
    the database work is in it too; a PostgreSQL server's is not)."""
    with CaptureQueriesContext(connection) as context:
        start, cpu = time.perf_counter(), time.thread_time()
        response = request()
        elapsed = (time.perf_counter() - start) * 1000
        CPU_MS.append((time.thread_time() - cpu) * 1000)
    return elapsed, len(context), response


def bench_pay_url(courses, coupon, repeat: int) -> dict:
    """Each run: the first pay URL of a fresh order (so it also records sent_to_gateway_at)."""
    timings, queries = [], []
    client = Client(HTTP_HOST="localhost")  # one client: a new one loads the middleware again
    for _ in range(repeat + 1):  # the first run warms up (keys, connections, middleware)
        order = place_order(courses, coupon)
        token = RefreshToken.for_user(order.user).access_token
        elapsed, count, response = measure(
            lambda o=order, t=token: client.get(
                "/api/payments/alipay/",
                {"order_number": o.order_number},
                HTTP_AUTHORIZATION=f"Bearer {t}",
            )
        )
        assert response.status_code == 200, response.content
        assert urlsplit(response.json()["url"]).query
        timings.append(elapsed)
        queries.append(count)
    return {"median_ms": statistics.median(timings[1:]), "sql_queries": max(queries[1:])}


def bench_notify(courses, coupon, repeat: int) -> dict:
    client = Client(HTTP_HOST="localhost")
    timings, queries = [], []
    for _ in range(repeat + 1):
        order = place_order(courses, coupon)
        body = urlencode(notify_params(order))
        elapsed, count, response = measure(
            lambda b=body: client.post(
                NOTIFY_URL, b, content_type="application/x-www-form-urlencoded"
            )
        )
        assert response.content == b"success", response.content
        assert Order.objects.get(id=order.id).status == Order.Status.PAID
        timings.append(elapsed)
        queries.append(count)
    return {"median_ms": statistics.median(timings[1:]), "sql_queries": max(queries[1:])}


# --- (c) gunicorn on PostgreSQL -------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def recreate_pg(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    if "bench" not in name:
        raise SystemExit("--pg must name a throw-away database with 'bench' in its name")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


def pg_child(args) -> None:
    """Runs with DATABASE_URL = the bench database: place the orders, print their notifies."""
    call_command("migrate", verbosity=0)
    redis_client().flushdb()
    courses = make_courses(5)
    coupon = Coupon.objects.create(name="bench -10", sale="-10", type=Coupon.Type.FIXED)
    bodies = [urlencode(notify_params(place_order(courses, coupon))) for _ in range(args.notifies)]
    json.dump(bodies, sys.stdout)


def bench_gunicorn(args) -> dict:
    recreate_pg(args.pg)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
    env = {
        **os.environ,
        "DATABASE_URL": args.pg,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
    }
    placed = subprocess.run(
        [sys.executable, __file__, "--pg-child", "--notifies", str(args.notifies)],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    bodies = json.loads(placed.stdout)
    port = free_port()
    server_env = {**env, "DJANGO_SETTINGS_MODULE": "luffy.config.settings.local", "DEBUG": "0"}
    log = tempfile.NamedTemporaryFile(  # noqa: SIM115 (closed once gunicorn has stopped)
        prefix="luffy-bench-gunicorn-", suffix=".log", delete=False
    )
    server = subprocess.Popen(
        [
            sys.executable, "-m", "gunicorn", "luffy.config.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "-",
        ],
        cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}{NOTIFY_URL}"
    try:
        deadline = time.monotonic() + 60
        while True:  # bounded wait for both workers to answer
            assert server.poll() is None, Path(log.name).read_text()
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # it answers
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        answers: list[bytes] = []
        lock = threading.Lock()
        queue = iter(bodies)

        def client() -> None:
            while True:
                with lock:
                    body = next(queue, None)
                if body is None:
                    return
                request = urllib.request.Request(
                    url,
                    data=body.encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"},
                )
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    answer = response.read()
                with lock:
                    answers.append(answer)

        threads = [threading.Thread(target=client, daemon=True) for _ in range(args.clients)]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(300)
        seconds = time.perf_counter() - start
        assert not any(t.is_alive() for t in threads), "a client hung"
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()
    assert answers == [b"success"] * len(bodies), set(answers)
    check = subprocess.run(
        [sys.executable, __file__, "--pg-check"], env=env, cwd=ROOT, check=True,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    paid = json.loads(check.stdout)
    assert paid == {"paid": len(bodies), "settled": len(bodies)}, paid
    return {"notifies": len(bodies), "seconds": seconds, "per_second": len(bodies) / seconds}


def pg_check() -> None:
    from luffy.payments.models import PaymentMessage

    json.dump(
        {
            "paid": Order.objects.filter(status=Order.Status.PAID).count(),
            "settled": PaymentMessage.objects.filter(outcome="settled").count(),
        },
        sys.stdout,
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    parser.add_argument("--notifies", type=int, default=400)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/luffy_bench_payments")
    parser.add_argument("--pg-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--pg-check", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pg_child:
        pg_child(args)
        return
    if args.pg_check:
        pg_check()
        return

    call_command("migrate", verbosity=0)
    redis_client().flushdb()
    courses = make_courses(5)
    coupon = Coupon.objects.create(name="bench -10", sale="-10", type=Coupon.Type.FIXED)
    cases = {
        "pay URL (GET /api/payments/alipay/?order_number=)": lambda: bench_pay_url(
            courses, coupon, args.repeat
        ),
        "settle a 5-line order (POST notify, form-encoded)": lambda: bench_notify(
            courses, coupon, args.repeat
        ),
    }
    for case, run in cases.items():
        CPU_MS.clear()
        result = run()
        print(json.dumps({
            "bench": "payments", "case": case, "median_ms": round(result["median_ms"], 2),
            "median_cpu_ms": round(statistics.median(CPU_MS[1:]), 2),
            "sql_queries": result["sql_queries"], "repeat": args.repeat, "db": connection.vendor,
            "load_average": os.getloadavg()[0],
        }), flush=True)  # fmt: skip
    if args.pg != "none":
        result = bench_gunicorn(args)
        print(json.dumps({
            "bench": "payments", "case": "notifies settled per second (gunicorn, 2 workers)",
            "per_second": round(result["per_second"], 1), "notifies": result["notifies"],
            "seconds": round(result["seconds"], 2), "clients": args.clients, "db": "postgresql",
            "load_average": os.getloadavg()[0],
        }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
