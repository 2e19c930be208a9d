"""Order benchmark: median ms and SQL queries per request for
(a) creating a 5-line order through the API (the cart refilled before each run) and
(b) GET /api/orders/ with 50 orders of 2 lines (one page of 50) and
(c) the checkout preview of a 5-line cart with 20 coupons and credit (POST /api/orders/preview/).

    .venv/bin/python bench/orders.py [--repeat 50]

Runs in-process (Django test client) on a throw-away SQLite file and a private embedded
Redis (or DATABASE_URL / REDIS_URL if set). Prints one JSON line per case. The seed chapter's
design needed 42 queries for a checkout and 444 queries (~200 ms) for my orders."""

import argparse
import json
import statistics
import time

from _django import make_courses
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from rest_framework_simplejwt.tokens import RefreshToken

from luffy.common.redis import redis_client
from luffy.orders.models import Order
from luffy.orders.services import order_record_cancelled
from luffy.users.models import User


def client_for(user: User) -> Client:
    token = RefreshToken.for_user(user).access_token
    return Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")


def fill_cart(client: Client, courses) -> None:
    for course in courses:
        added = client.post("/api/cart/", {"course_id": course.id}, content_type="application/json")
        assert added.status_code == 201, added.content


def timed(request) -> tuple[float, int]:
    """ms and SQL statements of a call, counted as the tests count them (CaptureQueriesContext:
    on SQLite that includes BEGIN IMMEDIATE and COMMIT)."""
    with CaptureQueriesContext(connection) as context:
        start = time.perf_counter()
        response = request()
        elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code in (200, 201), response.content
    return elapsed, len(context)


def bench_checkout(courses, repeat: int) -> dict:
    """Each run: a fresh cart of 5 courses, POST /api/orders/, then cancel (not timed) so the
    same courses can be ordered again."""
    user = User.objects.create_user(username="bench-buyer", mobile="13900000001")
    client = client_for(user)
    timings, queries = [], []
    for _ in range(repeat + 1):  # the first run warms up (connections, scripts)
        fill_cart(client, courses)
        elapsed, count = timed(
            lambda: client.post("/api/orders/", {"pay_type": "alipay"}, "application/json")
        )
        timings.append(elapsed)
        queries.append(count)
        order = Order.objects.filter(user=user, status=Order.Status.UNPAID).get()
        order_record_cancelled(user_id=user.id, order_number=order.order_number)
    return {"median_ms": statistics.median(timings[1:]), "sql_queries": max(queries[1:])}


def bench_my_orders(courses, repeat: int) -> dict:
    user = User.objects.create_user(username="bench-reader", mobile="13900000002")
    client = client_for(user)
    pairs = [courses[i : i + 2] for i in range(0, 10, 2)]
    for i in range(50):  # 50 real orders of 2 lines, through the API
        fill_cart(client, pairs[i % len(pairs)])
        response = client.post("/api/orders/", {"pay_type": "alipay"}, "application/json")
        assert response.status_code == 201, response.content
        order_record_cancelled(user_id=user.id, order_number=response.json()["order_number"])
    timings, queries = [], []
    for _ in range(repeat + 1):
        elapsed, count = timed(lambda: client.get("/api/orders/", {"size": 50}))
        timings.append(elapsed)
        queries.append(count)
    body = client.get("/api/orders/", {"size": 50}).json()
    assert len(body["results"]) == 50 and all(len(o["lines"]) == 2 for o in body["results"])
    return {"median_ms": statistics.median(timings[1:]), "sql_queries": max(queries[1:])}


def bench_preview(courses, repeat: int) -> dict:
    """The breakdown the checkout page asks for on every coupon or credit change."""
    from datetime import timedelta

    from django.utils import timezone

    from luffy.coupons.models import Coupon
    from luffy.coupons.services import coupon_grant

    user = User.objects.create_user(username="bench-viewer", mobile="13900000003", credit=1000)
    for i in range(20):
        coupon = Coupon.objects.create(name=f"bench {i}", type=1, sale=f"-{i + 1}", valid_days=30)
        coupon_grant(coupon=coupon, user_ids=[user.id], start=timezone.now() - timedelta(hours=1))
    client = client_for(user)
    fill_cart(client, courses)
    best = client.post("/api/orders/preview/", {}, "application/json").json()["best_coupon_id"]
    payload = {"coupon_id": best, "credit": 100}
    timings, queries = [], []
    for _ in range(repeat + 1):
        elapsed, count = timed(
            lambda: client.post("/api/orders/preview/", payload, "application/json")
        )
        timings.append(elapsed)
        queries.append(count)
    return {"median_ms": statistics.median(timings[1:]), "sql_queries": max(queries[1:])}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    redis_client().flushdb()
    courses = make_courses(10, discounted_every=2)
    cases = {
        "create 5-line order (POST /api/orders/)": lambda: bench_checkout(courses[:5], args.repeat),
        "my orders, 50 x 2 lines (GET /api/orders/?size=50)": lambda: bench_my_orders(
            courses, args.repeat
        ),
        "checkout preview, 5 lines, 20 coupons (POST /api/orders/preview/)": lambda: bench_preview(
            courses[5:10], args.repeat
        ),
    }
    for case, run in cases.items():
        result = run()
        print(json.dumps({
            "bench": "orders", "case": case, "median_ms": round(result["median_ms"], 2),
            "sql_queries": result["sql_queries"], "repeat": args.repeat, "db": connection.vendor,
        }, ensure_ascii=False), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
