"""Segment grant benchmark: seconds and SQL queries to give a coupon to every student (one
INSERT ... SELECT), then to grant it again (idempotent: nothing inserted).

    .venv/bin/python bench/coupon_grant.py [--users 100000]

Runs on a throw-away SQLite file (or DATABASE_URL / REDIS_URL when set: use a throw-away
database). Prints one JSON line. Queries stay constant whatever the number of students."""

import argparse
import json
import os
import time

import _django  # noqa: F401  (Django set up on a throw-away database)
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from luffy.coupons.models import Coupon, UserCoupon
from luffy.coupons.services import Segment, coupon_grant_segment, segment_users
from luffy.users.models import User

UNUSABLE = "!"  # an unusable password hash: these students never log in


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--users", type=int, default=100_000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    User.objects.bulk_create(
        (
            User(username=f"bench{n}", mobile=f"139{n:08d}", password=UNUSABLE)
            for n in range(args.users)
        ),
        batch_size=5000,
    )
    seeded = time.perf_counter() - started
    coupon = Coupon.objects.create(name="bench -10", type=Coupon.Type.FIXED, sale="-10")
    runs = []
    for _ in range(2):  # the second grant finds every student served
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            result = coupon_grant_segment(coupon=coupon, users=segment_users(segment=Segment.ALL))
            seconds = time.perf_counter() - started
        runs.append(
            {"granted": result.granted, "skipped": result.skipped, "seconds": round(seconds, 3),
             "sql_queries": len(queries.captured_queries)}
        )  # fmt: skip
    assert UserCoupon.objects.filter(coupon=coupon).count() == args.users
    print(json.dumps({
        "bench": "coupon_grant_segment", "users": args.users, "first": runs[0],
        "again": runs[1], "seed_seconds": round(seeded, 1), "db": connection.vendor,
        "load_avg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
    }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
