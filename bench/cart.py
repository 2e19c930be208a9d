"""Cart read benchmark: median ms and SQL queries per request for carts of 1, 20 and 100 lines.

    .venv/bin/python bench/cart.py [--repeat 200]

"warm": course facts come from the catalog cache (the usual case); "cold": the catalog has
just changed, so the cart reads the database. Runs in-process (Django test client) on a
throw-away SQLite file and a private embedded Redis (or DATABASE_URL / REDIS_URL if set).
Prints one JSON line per (lines, endpoint, cache state)."""

import argparse
import json
import statistics
import time

from _django import make_courses
from django.core.management import call_command
from django.db import connection
from django.test import Client
from rest_framework_simplejwt.tokens import RefreshToken

from luffy.catalog import cache as catalog_cache
from luffy.common.redis import redis_client
from luffy.users.models import User


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
    courses = make_courses(
        100,
        options=((30, "1个月有效", "29"), (90, "3个月有效", "69")),
        discounted_every=2,
    )
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
