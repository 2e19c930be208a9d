"""Read paths against their floor: for each read endpoint, the median in-process time of a
request (Django test client), its floor and the ratio.

    .venv/bin/python bench/reads.py [--repeat 100]

The floor of an endpoint is what it cannot avoid, measured in the same run: its own SQL
statements and Redis commands (captured from one request, then replayed bare: raw cursor,
raw redis-py calls, no ORM, no serializers) plus the fixed cost of one authenticated request
(a view that does nothing, behind the same middleware, JWT authentication and renderer).
Target (issue 13): every endpoint within 3x of its floor. Runs on a throw-away SQLite file and
a private embedded Redis (or DATABASE_URL / REDIS_URL if set). Prints one JSON line per
endpoint, with the load average."""

import argparse
import json
import os
import statistics
import sys
import time
import types

from _django import make_courses
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path
from redis.client import Pipeline, Redis
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken

from luffy.common.redis import redis_client
from luffy.coupons.models import Coupon
from luffy.coupons.services import coupon_grant
from luffy.orders.services import order_record_cancelled
from luffy.users.models import User


class NoopApi(APIView):
    """The fixed cost of an authenticated request: authenticate, render an empty object."""

    def get(self, request):
        assert request.user.is_authenticated
        return Response({})


urls = types.ModuleType("bench_reads_urls")
urls.urlpatterns = [
    path("api/__bench_noop/", NoopApi.as_view()),
    *__import__("luffy.config.urls", fromlist=["urlpatterns"]).urlpatterns,
]
sys.modules["bench_reads_urls"] = urls


class RedisRecorder:
    """Records the Redis commands (and pipelines) a request sends, to replay them bare."""

    def __init__(self):
        self.calls, self.on = [], False
        self._command, self._pipeline = Redis.execute_command, Pipeline.execute
        recorder = self

        def command(self_, *args, **options):
            if recorder.on and not isinstance(self_, Pipeline):
                recorder.calls.append(("cmd", args))
            return recorder._command(self_, *args, **options)

        def pipeline(self_, *args, **kwargs):
            if recorder.on:
                stack = [c.args if hasattr(c, "args") else c[0] for c in self_.command_stack]
                recorder.calls.append(("pipe", (self_.transaction, stack)))
            return recorder._pipeline(self_, *args, **kwargs)

        Redis.execute_command, Pipeline.execute = command, pipeline

    def replay(self, client) -> None:
        for kind, payload in self.calls:
            if kind == "cmd":
                client.execute_command(*payload)
            else:
                transaction, stack = payload
                pipe = client.pipeline(transaction=transaction)
                for args in stack:
                    pipe.execute_command(*args)
                pipe.execute()


def client_for(user: User) -> Client:
    token = RefreshToken.for_user(user).access_token
    return Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")


def median_ms(fn, repeat: int) -> float:
    fn()  # warm up
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings)


def seed():
    courses = make_courses(
        20, options=((30, "1个月有效", "29"), (90, "3个月有效", "69")), discounted_every=2
    )
    user = User.objects.create_user(username="bench-reader", mobile="13900000009", credit=500)
    client = client_for(user)
    for i in range(50):  # my orders: 50 x 2 lines, through the API
        for course in courses[(2 * i) % 20 : (2 * i) % 20 + 2]:
            assert (
                client.post("/api/cart/", {"course_id": course.id}, "application/json").status_code
                == 201
            )
        made = client.post("/api/orders/", {"pay_type": "alipay"}, "application/json")
        assert made.status_code == 201, made.content
        order_record_cancelled(user_id=user.id, order_number=made.json()["order_number"])
        last = made.json()["order_number"]
    for course in courses[:5]:  # a 5-line cart
        client.post("/api/cart/", {"course_id": course.id}, "application/json")
    for i in range(10):
        coupon = Coupon.objects.create(name=f"-{i + 1}", sale=f"-{i + 1}", type=Coupon.Type.FIXED)
        coupon_grant(coupon=coupon, user_ids=[user.id])
    return client, courses, last


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=100)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    redis_client().flushdb()
    recorder = RedisRecorder()
    with override_settings(ROOT_URLCONF="bench_reads_urls"):
        client, courses, order_number = seed()
        endpoints = {
            "course list": "/api/courses/",
            "course detail": f"/api/courses/{courses[0].id}/",
            "cart (5 lines)": "/api/cart/",
            "checkout page (selected)": "/api/cart/selected/",
            "coupons (10)": "/api/coupons/",
            "my orders (50 x 2 lines)": "/api/orders/?size=50",
            "order detail": f"/api/orders/{order_number}/",
            "me": "/api/users/me/",
            "my courses": "/api/users/me/courses/",
        }
        fixed = median_ms(lambda: client.get("/api/__bench_noop/"), args.repeat)
        raw = redis_client()
        for name, url in endpoints.items():
            assert client.get(url).status_code == 200, (url, client.get(url).content[:200])
            recorder.calls, recorder.on = [], True
            with CaptureQueriesContext(connection) as queries:
                client.get(url)
            recorder.on = False
            statements = [q["sql"] for q in queries.captured_queries]

            def bare(statements=statements):
                with connection.cursor() as cursor:
                    for sql in statements:
                        cursor.execute(sql)
                        if cursor.description:
                            cursor.fetchall()
                recorder.replay(raw)

            took = median_ms(lambda url=url: client.get(url), args.repeat)
            floor = fixed + median_ms(bare, args.repeat)
            print(json.dumps({
                "bench": "reads", "endpoint": name, "median_ms": round(took, 2),
                "floor_ms": round(floor, 2), "ratio": round(took / floor, 1),
                "sql": len(statements), "redis": len(recorder.calls),
                "fixed_ms": round(fixed, 2), "db": connection.vendor,
                "load_avg": [round(x, 2) for x in os.getloadavg()],
            }, ensure_ascii=False), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
