"""Read paths against their floor: for each read endpoint, the median in-process time of a
request (Django test client), its floor and the ratio.

    .venv/bin/python bench/reads.py [--repeat 100] [--only "my orders"]

The floor of an endpoint is what it cannot avoid, measured in the same run: its own SQL
statements and Redis commands (captured from one request, then replayed bare: raw cursor,
raw redis-py calls, no ORM, no serializers) plus the fixed cost of one authenticated request
(a view that does nothing, behind the same middleware, the endpoint's kind of JWT
authentication and renderer: the user row loaded, or the token alone with its cached stamp).
Both parts count the authentication's own query or GET, so each floor counts it twice.
The three are timed in turn, round by round, so each sees the same machine load.
Target (issue 13): every endpoint within 3x of its floor. Runs on a throw-away SQLite file and
a private embedded Redis (or DATABASE_URL / REDIS_URL if set). Prints one JSON line per
endpoint, with the load average: the wall-clock figures and ratio, and the same by CPU time
of the request's thread (cpu_ratio: the one to read when the machine is loaded)."""

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import time
import types

from _django import make_courses
from django.core.management import call_command
from django.db import connection
from django.test import Client, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import path, resolve
from redis.client import Pipeline, Redis
from rest_framework.response import Response
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken

from luffy.catalog.models import CourseChapter, CourseLesson
from luffy.common.redis import redis_client
from luffy.coupons.models import Coupon
from luffy.coupons.services import coupon_grant
from luffy.orders.services import order_record_cancelled, order_record_paid
from luffy.users.authentication import ActiveTokenUserAuthentication
from luffy.users.models import User


class NoopApi(APIView):
    """The fixed cost of an authenticated request: authenticate, render an empty object."""

    def get(self, request):
        assert request.user.is_authenticated
        return Response({})


class TokenNoopApi(NoopApi):
    """The same for views that authenticate from the token alone (no user row)."""

    authentication_classes = [ActiveTokenUserAuthentication]


def token_only(url: str) -> bool:
    view = resolve(url).func.view_class
    return ActiveTokenUserAuthentication in view.authentication_classes


urls = types.ModuleType("bench_reads_urls")
urls.urlpatterns = [
    path("api/__bench_noop/", NoopApi.as_view()),
    path("api/__bench_token_noop/", TokenNoopApi.as_view()),
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


def medians_ms(fns, repeat: int) -> list[tuple[float, float]]:
    """The median wall time and the median CPU time of this thread (ms) of each of `fns`, run
    in turn in each round: on a shared machine the load changes by the second, and
    interleaving gives each the same share of it. CPU time leaves out the time other processes
    hold the cores (at a load of 20 on 2 cores a request waits far longer than it runs), but
    also what the Redis server (and a PostgreSQL or MariaDB server) does for it."""
    for fn in fns:
        fn()  # warm up
    walls, cpus = [[] for _ in fns], [[] for _ in fns]
    for _ in range(repeat):
        for fn, wall, cpu in zip(fns, walls, cpus, strict=True):
            start, start_cpu = time.perf_counter(), time.thread_time()
            fn()
            cpu.append((time.thread_time() - start_cpu) * 1000)
            wall.append((time.perf_counter() - start) * 1000)
    return [
        (statistics.median(wall), statistics.median(cpu))
        for wall, cpu in zip(walls, cpus, strict=True)
    ]


def seed():
    courses = make_courses(
        20, options=((30, "1个月有效", "29"), (90, "3个月有效", "69")), discounted_every=2
    )
    user = User.objects.create_user(username="bench-reader", mobile="13900000009", credit=500)
    client = client_for(user)
    # My orders: 50 x 2 lines through the API, with credit (ledger rows for the credit page);
    # the last 5 paid (courses 10 to 19 bought, permanently: my courses), the others cancelled.
    for i in range(50):
        for course in courses[(2 * i) % 20 : (2 * i) % 20 + 2]:
            added = client.post("/api/cart/", {"course_id": course.id}, "application/json")
            assert added.status_code == 201, added.content
        made = client.post("/api/orders/", {"pay_type": "alipay", "credit": 10}, "application/json")
        assert made.status_code == 201, made.content
        last = made.json()["order_number"]
        if i < 45:
            order_record_cancelled(user_id=user.id, order_number=last)
        else:
            assert order_record_paid(order_number=last)
    for course in courses[:5]:  # a 5-line cart
        added = client.post("/api/cart/", {"course_id": course.id}, "application/json")
        assert added.status_code == 201, added.content
    for i in range(10):
        coupon = Coupon.objects.create(name=f"-{i + 1}", sale=f"-{i + 1}", type=Coupon.Type.FIXED)
        coupon_grant(coupon=coupon, user_ids=[user.id])
    studied = courses[10]  # bought: 2 chapters of 5 lessons, the first of each free
    for number in (1, 2):
        chapter = CourseChapter.objects.create(course=studied, number=number, name=f"Ch {number}")
        for order in range(1, 6):
            CourseLesson.objects.create(
                chapter=chapter, course=studied, name=f"{number}.{order}", order=order,
                link=f"v-{number}-{order}", show_on_list=True, free_trial=order == 1,
            )  # fmt: skip
    lessons = list(CourseLesson.objects.filter(course=studied).order_by("chapter__number", "order"))
    for lesson in lessons[:4]:  # progress in the course being studied
        url = f"/api/courses/{studied.id}/lessons/{lesson.id}/progress/"
        done = client.put(url, {"position": 30, "done": True}, "application/json")
        assert done.status_code == 204, done.content
    return client, courses, last, lessons[6]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=100)
    parser.add_argument("--only", default="", help="endpoints whose name contains this")
    parser.add_argument(
        "--profile", action="store_true", help="print where the endpoints' time goes (cProfile)"
    )
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    redis_client().flushdb()
    recorder = RedisRecorder()
    with override_settings(ROOT_URLCONF="bench_reads_urls"):
        client, courses, order_number, lesson = seed()
        course_id = lesson.course_id
        endpoints = {
            "home banners": "/api/home/banners/",
            "home navs": "/api/home/navs/",
            "course categories": "/api/courses/categories/",
            "course list": "/api/courses/",
            "course detail": f"/api/courses/{courses[0].id}/",
            "cart count": "/api/cart/count/",
            "cart (5 lines)": "/api/cart/",
            "checkout page (selected)": "/api/cart/selected/",
            "coupons (10)": "/api/coupons/",
            "my orders (50 x 2 lines)": "/api/orders/?size=50",
            "order detail": f"/api/orders/{order_number}/",
            "payment result (paid, WeChat poll)": (
                f"/api/payments/wechat/result/?order_number={order_number}"
            ),
            "me": "/api/users/me/",
            "credit history": "/api/users/me/credits/",
            "my courses (5)": "/api/users/me/courses/",
            "course access": f"/api/courses/{course_id}/access/",
            "course progress": f"/api/courses/{course_id}/progress/",
            "study lesson": f"/api/courses/{course_id}/lessons/{lesson.id}/",
        }
        noop_of = {False: "/api/__bench_noop/", True: "/api/__bench_token_noop/"}
        raw = redis_client()
        for name, url in endpoints.items():
            if args.only not in name:
                continue
            noop = noop_of[token_only(url.split("?")[0])]
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

            took, fixed, replayed = medians_ms(
                [lambda url=url: client.get(url), lambda noop=noop: client.get(noop), bare],
                args.repeat,
            )
            floor = fixed[0] + replayed[0]
            cpu_floor = fixed[1] + replayed[1]
            if args.profile:
                profile = cProfile.Profile()
                profile.runcall(lambda url=url: [client.get(url) for _ in range(args.repeat)])
                pstats.Stats(profile).sort_stats("tottime").print_stats(25)
            print(json.dumps({
                "bench": "reads", "endpoint": name, "median_ms": round(took[0], 2),
                "floor_ms": round(floor, 2), "ratio": round(took[0] / floor, 1),
                "cpu_ms": round(took[1], 2), "cpu_floor_ms": round(cpu_floor, 2),
                "cpu_ratio": round(took[1] / cpu_floor, 1),
                "sql": len(statements), "redis": len(recorder.calls),
                "fixed_ms": round(fixed[0], 2), "token_auth": token_only(url.split("?")[0]),
                "db": connection.vendor,
                "load_avg": [round(x, 2) for x in os.getloadavg()],
            }, ensure_ascii=False), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
