"""Cart read benchmark: median ms and SQL queries per request for carts of 1, 20 and 100 lines.

    .venv/bin/python bench/cart.py [--repeat 200]

"warm": course facts come from the catalog cache (the usual case); "cold": the catalog has
just changed, so the cart reads the database. Runs in-process (Django test client) on a
throw-away SQLite file and a private embedded Redis (or DATABASE_URL / REDIS_URL if set).
Prints one JSON line per (lines, endpoint, cache state)."""

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("LUFFY_VAR_DIR", tempfile.mkdtemp(prefix="luffy-bench-"))
os.environ["DJANGO_SETTINGS_MODULE"] = "luffy.config.settings.test"

import django

django.setup()

from decimal import Decimal  # noqa: E402

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402
from rest_framework_simplejwt.tokens import RefreshToken  # noqa: E402

from luffy.catalog import cache as catalog_cache  # noqa: E402
from luffy.catalog import models as catalog  # noqa: E402
from luffy.common.redis import redis_client  # noqa: E402
from luffy.users.models import User  # noqa: E402


def make_courses(count: int) -> list[catalog.Course]:
    now = timezone.now()
    dtype = catalog.DiscountType.objects.create(name="限时折扣")
    discount = catalog.Discount.objects.create(type=dtype, sale="*0.8", condition=Decimal(0))
    activity = catalog.Activity.objects.create(
        name="bench", start=now - timezone.timedelta(days=1), end=now + timezone.timedelta(days=1)
    )
    courses = []
    for i in range(count):
        course = catalog.Course.objects.create(name=f"Course {i}", price=Decimal("99.00"))
        catalog.CourseExpire.objects.create(
            course=course, days=30, text="1个月有效", price=Decimal(29)
        )
        catalog.CourseExpire.objects.create(
            course=course, days=90, text="3个月有效", price=Decimal(69)
        )
        if i % 2 == 0:
            catalog.CoursePriceDiscount.objects.create(
                course=course, activity=activity, discount=discount
            )
        courses.append(course)
    return courses


def measure(client: Client, path: str, repeat: int, *, cold: bool) -> tuple[float, int]:
    """Median ms and SQL queries per request; cold = the catalog cache was just invalidated."""
    client.get(path)  # warm up (script loading, connections)
    queries: list[str] = []

    def count(execute, sql, *args):
        queries.append(sql)
        return execute(sql, *args)

    if cold:
        catalog_cache.bump()
    with connection.execute_wrapper(count):
        assert client.get(path).status_code == 200
    timings = []
    for _ in range(repeat):
        if cold:
            catalog_cache.bump()
        start = time.perf_counter()
        client.get(path)
        timings.append((time.perf_counter() - start) * 1000)
    return statistics.median(timings), len(queries)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    redis_client().flushdb()
    courses = make_courses(100)
    for size in (1, 20, 100):
        user = User.objects.create_user(username=f"bench{size}", mobile=f"1390000{size:04d}")
        token = RefreshToken.for_user(user).access_token
        client = Client(HTTP_HOST="localhost", HTTP_AUTHORIZATION=f"Bearer {token}")
        for course in courses[:size]:
            added = client.post(
                "/api/cart/", {"course_id": course.id}, content_type="application/json"
            )
            assert added.status_code == 201, added.content
        for endpoint, path, cold in (
            ("list", "/api/cart/", False),
            ("selected", "/api/cart/selected/", False),
            ("list", "/api/cart/", True),
            ("selected", "/api/cart/selected/", True),
        ):
            median_ms, queries = measure(client, path, args.repeat, cold=cold)
            print(json.dumps({
                "bench": "cart", "lines": size, "endpoint": endpoint,
                "catalog_cache": "cold" if cold else "warm",
                "median_ms": round(median_ms, 2), "sql_queries": queries,
                "db": connection.vendor,
            }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
