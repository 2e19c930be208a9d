"""Payment benchmark: median ms and SQL queries for
(a) creating the pay URL of a fresh order (GET /api/payments/alipay/?order_number=, keys
    parsed once per process),
(a') the WeChat Pay payment parameters of a fresh order (GET /api/payments/pay-url/?pay_type=
    wechat: the code_url and its QR code), which orders the trade at the gateway: one real
    HTTP round trip to the offline WeChat Pay sandbox, served by its own gunicorn on 127.0.0.1
    (2 workers, 8 threads, as the tests serve it); printed with the time spent waiting for
    that answer, our own time (the rest), the QR code's share, the sandbox round trip alone
    (a pre-signed order request, no store code) and the keys parsed during the timed runs (0:
    parsed once per process),
(b) settling a 5-line order (coupon and credit reserved) through the notify endpoint (POST,
    form-encoded and signed exactly as the gateway sends it), each run a fresh order;
and, through gunicorn (2 workers) on PostgreSQL, in the same run with the same clients:
(c) notifies settled per second, and
(d) settlements by return per second: the buyer's browser back from the cashier (GET
    /api/payments/alipay/result/ with the signed return parameters), which asks the gateway
    (the offline sandbox, its own gunicorn) about the trade and settles the order.

    .venv/bin/python bench/payments.py [--repeat 50] [--notifies 400] [--clients 4]
        [--pg postgres://postgres@127.0.0.1:5432/luffy_bench_payments | --pg none]

(a), (a') and (b) run in-process (Django test client) on a throw-away SQLite file and a private
embedded Redis (or DATABASE_URL / REDIS_URL if set). (c) and (d) drop and re-create the --pg
database (its name must contain "bench"), migrate it, place 2 x --notifies orders there (half
of them paid at the sandbox's cashier, whose notifies are dropped so the returns settle them),
start gunicorn on 127.0.0.1 and send their notifies, then their returns, from --clients
threads. The seed chapter's design took about 29 ms for a pay URL and 27 queries for a
settlement."""

import argparse
import json
import os
import secrets
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlencode, urlsplit

# Keys of its own: the pay URL must not depend on a developer's var/alipay (or var/wechat;
# the WeChat Pay sandbox the bench starts is given the same folder).
os.environ.setdefault("ALIPAY_KEY_DIR", tempfile.mkdtemp(prefix="luffy-bench-keys-"))
os.environ.setdefault("WECHAT_KEY_DIR", tempfile.mkdtemp(prefix="luffy-bench-wechat-keys-"))

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
WECHAT_CASE = "WeChat Pay params (GET /api/payments/pay-url/?order_number=&pay_type=wechat)"


_users = iter(range(10**6))


def place_order(courses, coupon: Coupon, pay_type: str = Order.PayType.ALIPAY) -> Order:
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
    result = order_create(user_id=user.id, pay_type=pay_type, coupon_id=user_coupon.id, credit=200)
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
    return {"timings": timings[1:], "sql_queries": max(queries[1:])}


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
    return {"timings": timings[1:], "sql_queries": max(queries[1:])}


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1]


# --- (a') WeChat Pay: ordering at the offline sandbox over HTTP -------------------------------


class _Timed:
    """Wraps a callable of the code under test: the ms of each call go to `ms`, the calls to
    `calls` (the bench reads and clears both around each request)."""

    def __init__(self, function, *, read_body: bool = False) -> None:
        self.function, self.read_body = function, read_body
        self.ms: list[float] = []
        self.calls = 0

    def __call__(self, *args, **kwargs):
        start = time.perf_counter()
        self.calls += 1
        try:
            result = self.function(*args, **kwargs)
            if self.read_body:  # urlopen: the answer's body is part of the wait
                body = result.read()
                result.read = lambda *a, _body=body: _body
            return result
        finally:
            self.ms.append((time.perf_counter() - start) * 1000)

    def take(self) -> float:
        total = sum(self.ms)
        self.ms.clear()
        return total


def presigned_order(n: int) -> urllib.request.Request:
    """A Native order request for a trade of its own, signed as the store signs it (outside
    the timer): the sandbox round trip with none of the store's code around it."""
    from luffy.payments import wechat, wechatpay

    creds = wechatpay.credentials()
    path = "/v3/pay/transactions/native"
    body = json.dumps({
        "appid": creds.appid, "mchid": creds.mchid, "description": "bench round trip",
        "out_trade_no": f"RT{os.getpid()}x{n}", "notify_url": settings.WECHAT_NOTIFY_URL,
        "time_expire": wechatpay.rfc3339(timezone.now() + timezone.timedelta(hours=2)),
        "amount": {"total": 100, "currency": "CNY"},
    }, ensure_ascii=False, separators=(",", ":"))  # fmt: skip
    authorization = wechat.authorization(
        private_key=creds.private_key, mchid=creds.mchid, serial_no=creds.serial_no,
        method="POST", path=path, body=body,
    )  # fmt: skip
    return urllib.request.Request(  # noqa: S310 (the sandbox on 127.0.0.1)
        settings.WECHAT_API_BASE + path, data=body.encode(), method="POST",
        headers={"Authorization": authorization, "Accept": "application/json",
                 "Content-Type": "application/json"},
    )  # fmt: skip


def bench_wechat_params(courses, coupon, repeat: int) -> dict:
    """Each run: the first WeChat Pay parameters (Native: code_url + QR code) of a fresh
    order, then the same order request sent bare to the sandbox. The time inside urlopen
    (body read included) is the wait for the sandbox; the rest of the request is ours."""
    from luffy.common import keys
    from luffy.payments import qr

    urlopen = _Timed(urllib.request.urlopen, read_body=True)
    qr_code = _Timed(qr.qr_data_uri)
    key_loads = [_Timed(keys.load_private_key), _Timed(keys.load_public_key)]
    patched = [
        (urllib.request, "urlopen", urlopen), (qr, "qr_data_uri", qr_code),
        (keys, "load_private_key", key_loads[0]), (keys, "load_public_key", key_loads[1]),
    ]  # fmt: skip
    originals = [(module, name, getattr(module, name)) for module, name, _ in patched]
    rows, queries = [], []
    client = Client(HTTP_HOST="localhost")
    try:
        for module, name, wrapper in patched:
            setattr(module, name, wrapper)
        for n in range(repeat + 1):  # the first run warms up (keys, connections, middleware)
            order = place_order(courses, coupon, Order.PayType.WECHAT)
            token = RefreshToken.for_user(order.user).access_token
            urlopen.take(), qr_code.take()
            loads_before = sum(load.calls for load in key_loads)
            elapsed, count, response = measure(
                lambda o=order, t=token: client.get(
                    "/api/payments/pay-url/",
                    {"order_number": o.order_number, "pay_type": "wechat"},
                    HTTP_AUTHORIZATION=f"Bearer {t}",
                )
            )
            assert response.status_code == 200, response.content
            assert response.json()["url"].startswith("weixin://"), response.json()
            assert urlopen.calls == 2 * n + 1, "one gateway call per pay URL"
            wait, qr_ms = urlopen.take(), qr_code.take()
            loads = sum(load.calls for load in key_loads) - loads_before
            request = presigned_order(n)
            start = time.perf_counter()
            with urllib.request.urlopen(request, timeout=10) as answer:  # noqa: S310
                assert answer.status == 200 and b"code_url" in answer.read()
            urlopen.take()
            round_trip = (time.perf_counter() - start) * 1000
            rows.append((elapsed, wait, elapsed - wait, qr_ms, round_trip, loads))
            queries.append(count)
    finally:
        for module, name, original in originals:
            setattr(module, name, original)
    rows = rows[1:]
    columns = dict(zip(("timings", "wait", "ours", "qr", "round_trip", "key_loads"),
                       map(list, zip(*rows, strict=True)), strict=True))  # fmt: skip
    return {**columns, "sql_queries": max(queries[1:])}


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
    """Runs with DATABASE_URL = the bench database: place the orders, print their notifies,
    and for as many more orders paid at the sandbox's cashier their returns (the query string
    and the buyer's token)."""
    from luffy.payments.services import payment_url_create

    call_command("migrate", verbosity=0)
    redis_client().flushdb()
    courses = make_courses(5)
    coupon = Coupon.objects.create(name="bench -10", sale="-10", type=Coupon.Type.FIXED)
    bodies = [urlencode(notify_params(place_order(courses, coupon))) for _ in range(args.notifies)]
    returns = []
    for _ in range(args.notifies):
        order = place_order(courses, coupon)
        url = payment_url_create(user_id=order.user_id, order_number=order.order_number)
        query = pay_at_sandbox(url)
        token = str(RefreshToken.for_user(order.user).access_token)
        returns.append([query, token])
    json.dump({"notifies": bodies, "returns": returns}, sys.stdout)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def pay_at_sandbox(pay_url: str) -> str:
    """The buyer opens the cashier and presses Pay: the return redirect's query string."""
    with urllib.request.urlopen(pay_url, timeout=30) as page:  # noqa: S310
        cashier = page.url
    request = urllib.request.Request(cashier + "pay/", data=b"", method="POST")  # noqa: S310
    try:
        urllib.request.build_opener(_NoRedirect).open(request, timeout=30)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302, redirect.code
        return urlsplit(redirect.headers["Location"]).query
    raise AssertionError("the cashier did not redirect back")


def serve_sandbox(
    gateway: str, env: dict, settings_env: dict
) -> tuple[subprocess.Popen, str, Path]:
    """luffy.<gateway>_sandbox in its own gunicorn (2 workers, 8 threads) on 127.0.0.1, its own
    var folder and SQLite file, with `settings_env` (keys folder, ids); the server, its base
    URL and its folder."""
    directory = Path(tempfile.mkdtemp(prefix=f"luffy-bench-{gateway}-sandbox-"))
    port = free_port()
    prefix = gateway.upper()
    sandbox_env = {
        key: value for key, value in env.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL"}
        and not key.startswith(f"{prefix}_")
    }  # fmt: skip
    sandbox_env.update(
        DJANGO_SETTINGS_MODULE=f"luffy.{gateway}_sandbox.settings",
        LUFFY_VAR_DIR=str(directory),
        **{f"{prefix}_SANDBOX_DATABASE_URL": f"sqlite:///{directory / 'sandbox.sqlite3'}"},
        **settings_env,
    )
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
                   cwd=ROOT, env=sandbox_env, check=True)  # fmt: skip
    log = (directory / "server.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", f"luffy.{gateway}_sandbox.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "8"],
        cwd=ROOT, env=sandbox_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    wait_answering(server, f"{url}/sandbox/faults/", directory / "server.log")
    return server, url, directory


def start_sandbox(env: dict) -> tuple[subprocess.Popen, str, Path]:
    """The offline Alipay sandbox with the store's keys; every notify dropped (the returns
    are to settle the orders)."""
    server, url, directory = serve_sandbox("alipay", env, {
        "ALIPAY_KEY_DIR": str(settings.ALIPAY_KEY_DIR), "ALIPAY_APP_ID": settings.ALIPAY_APP_ID,
        "ALIPAY_SELLER_ID": settings.ALIPAY_SELLER_ID,
    })  # fmt: skip
    token = (directory / "alipay_sandbox_control_token").read_text().strip()
    request = urllib.request.Request(  # noqa: S310 (the sandbox on 127.0.0.1)
        f"{url}/sandbox/faults/", method="POST", data=json.dumps({"drop_notify": 10**6}).encode(),
        headers={"X-Sandbox-Token": token, "Content-Type": "application/json"},
    )  # fmt: skip
    urllib.request.urlopen(request, timeout=10).close()  # noqa: S310
    return server, f"{url}/gateway.do", directory


def start_wechat_sandbox() -> tuple[subprocess.Popen, str]:
    """The offline WeChat Pay sandbox with the store's keys folder and ids (as the tests'
    fixture shares them); no notifies, since nothing is paid."""
    server, url, _ = serve_sandbox("wechat", dict(os.environ), {
        name: str(getattr(settings, name)) for name in (
            "WECHAT_KEY_DIR", "WECHAT_MCHID", "WECHAT_APPID", "WECHAT_MCH_SERIAL_NO",
            "WECHAT_PLATFORM_SERIAL",
        )
    })  # fmt: skip
    return server, url


def wait_answering(server: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + 60
    while True:  # bounded wait for the workers to answer
        assert server.poll() is None, log.read_text()
        try:
            urllib.request.urlopen(url, timeout=2).close()  # noqa: S310
            return
        except urllib.error.HTTPError:
            return  # it answers
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def stop(server: subprocess.Popen) -> None:
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)


def fire(requests: list[urllib.request.Request], clients: int) -> tuple[float, list]:
    """Send the requests from `clients` threads; (seconds, (status, body) of each)."""
    answers: list = []
    lock = threading.Lock()
    queue = iter(requests)

    def client() -> None:
        while True:
            with lock:
                request = next(queue, None)
            if request is None:
                return
            try:
                with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                    answer = (response.status, response.read())
            except urllib.error.HTTPError as exc:
                answer = (exc.code, exc.read())
            with lock:
                answers.append(answer)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(300)
    seconds = time.perf_counter() - start
    assert not any(t.is_alive() for t in threads), "a client hung"
    return seconds, answers


def bench_gunicorn(args) -> dict:
    recreate_pg(args.pg)
    redis_url = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/11")
    env = {
        **os.environ,
        "DATABASE_URL": args.pg,
        "REDIS_URL": redis_url,
        "CELERY_BROKER_URL": redis_url,
        # One signing key for the tokens the child makes and the server checks.
        "SECRET_KEY": secrets.token_urlsafe(50),
    }
    sandbox, gateway, sandbox_dir = start_sandbox(env)
    env["ALIPAY_GATEWAY"] = gateway
    server = None
    try:
        placed = subprocess.run(
            [sys.executable, __file__, "--pg-child", "--notifies", str(args.notifies)],
            env=env, cwd=ROOT, check=True, capture_output=True, text=True, timeout=1800,
        )  # fmt: skip
        orders = json.loads(placed.stdout)
        port = free_port()
        server_env = {**env, "DJANGO_SETTINGS_MODULE": "luffy.config.settings.local", "DEBUG": "0"}
        log = Path(tempfile.mkstemp(prefix="luffy-bench-gunicorn-", suffix=".log")[1])
        with log.open("w") as out:
            server = subprocess.Popen(
                [
                    sys.executable, "-m", "gunicorn", "luffy.config.wsgi:application",
                    "--bind", f"127.0.0.1:{port}", "--workers", "2", "--access-logfile", "-",
                ],
                cwd=ROOT, env=server_env, stdout=out, stderr=subprocess.STDOUT,
                start_new_session=True,
            )  # fmt: skip
        base = f"http://127.0.0.1:{port}"
        wait_answering(server, f"{base}/healthz", log)
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        notifies = [
            urllib.request.Request(base + NOTIFY_URL, data=body.encode(), headers=form)  # noqa: S310
            for body in orders["notifies"]
        ]
        notify_seconds, notify_answers = fire(notifies, args.clients)
        returns = [
            urllib.request.Request(  # noqa: S310 (the store on 127.0.0.1)
                f"{base}{NOTIFY_URL}?{query}", headers={"Authorization": f"Bearer {token}"}
            )
            for query, token in orders["returns"]
        ]
        return_seconds, return_answers = fire(returns, args.clients)
    finally:
        if server is not None:
            stop(server)
        stop(sandbox)
    assert notify_answers == [(200, b"success")] * len(notifies), set(notify_answers)
    assert all(status == 200 for status, _ in return_answers), {
        (status, body[:200]) for status, body in return_answers if status != 200
    }
    check = subprocess.run(
        [sys.executable, __file__, "--pg-check"], env=env, cwd=ROOT, check=True,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    paid = json.loads(check.stdout)
    total = len(notifies) + len(returns)
    assert paid == {"paid": total, "settled": total}, paid
    return {
        "notifies": len(notifies), "notify_seconds": notify_seconds,
        "returns": len(returns), "return_seconds": return_seconds,
        "sandbox_dir": str(sandbox_dir),
    }  # fmt: skip


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
        WECHAT_CASE: lambda: bench_wechat_params(courses, coupon, args.repeat),
        "settle a 5-line order (POST notify, form-encoded)": lambda: bench_notify(
            courses, coupon, args.repeat
        ),
    }
    wechat_sandbox, settings.WECHAT_API_BASE = start_wechat_sandbox()
    settings.WECHAT_SANDBOX_SCAN_URL = f"{settings.WECHAT_API_BASE}/sandbox/scan/"
    try:
        for case, run in cases.items():
            CPU_MS.clear()
            result = run()
            timings = result["timings"]
            line = {
                "bench": "payments", "case": case,
                "median_ms": round(statistics.median(timings), 2), "p90_ms": round(p90(timings), 2),
                "median_cpu_ms": round(statistics.median(CPU_MS[1:]), 2),
                "sql_queries": result["sql_queries"], "repeat": args.repeat,
                "db": connection.vendor, "load_average": os.getloadavg()[0],
            }  # fmt: skip
            if case == WECHAT_CASE:
                parts = (("gateway_wait", "wait"), ("our_code", "ours"), ("qr_code", "qr"),
                         ("sandbox_round_trip_alone", "round_trip"))  # fmt: skip
                for name, key in parts:
                    line[f"{name}_median_ms"] = round(statistics.median(result[key]), 2)
                    line[f"{name}_p90_ms"] = round(p90(result[key]), 2)
                line["keys_parsed_in_timed_runs"] = sum(result["key_loads"])
            print(json.dumps(line), flush=True)
    finally:
        stop(wechat_sandbox)
    if args.pg != "none":
        result = bench_gunicorn(args)
        for case, count, seconds in (
            ("notifies settled per second (gunicorn, 2 workers)", result["notifies"],
             result["notify_seconds"]),
            ("returns settled per second, each asking the gateway (gunicorn, 2 workers)",
             result["returns"], result["return_seconds"]),
        ):  # fmt: skip
            print(json.dumps({
                "bench": "payments", "case": case, "per_second": round(count / seconds, 1),
                "settled": count, "seconds": round(seconds, 2), "clients": args.clients,
                "db": "postgresql", "load_average": os.getloadavg()[0],
            }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
