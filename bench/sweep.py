"""Timeout sweep benchmark: seconds and SQL queries to time out N expired unpaid orders that sit
among 10 N others (paid, cancelled, unpaid and not expired yet), with orders_record_timed_out in a
loop, as the beat task runs it.

    .venv/bin/python bench/sweep.py [--sizes 1000,10000,100000] [--batch 500]

Each size runs in its own process on a fresh throw-away SQLite file in a temp dir, or on
DATABASE_URL if set: that database is flushed first, so its name must contain "bench"
(e.g. postgres://postgres@127.0.0.1:5432/luffy_bench_sweep). The data is inserted with
bulk_create (checkout would take hours for 1.1 M orders) but is shaped like checkout's: one to
three lines per order, ten orders per user, every other order holding 100 credit points and
every fourth a coupon (reserved, used or released according to the order's status).

Prints one JSON line per size. Queries should grow with batches, not with orders: the seed
chapter's per-row design made 3 queries per order."""

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHUNK = 20_000  # orders built and inserted per transaction while seeding


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000", help="expired orders per run")
    parser.add_argument("--batch", type=int, default=500, help="orders_record_timed_out batch_size")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child run of one size
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.batch)
        return
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        env = dict(os.environ)
        var_dir = None
        if "DATABASE_URL" not in env:
            var_dir = tempfile.mkdtemp(prefix="luffy-bench-sweep-")
            env["LUFFY_VAR_DIR"] = var_dir
        try:
            subprocess.run(
                [sys.executable, __file__, "--one", str(size), "--batch", str(args.batch)],
                env=env,
                check=True,
                cwd=ROOT,
            )
        finally:
            if var_dir:
                shutil.rmtree(var_dir, ignore_errors=True)


def run_one(expired: int, batch: int) -> None:
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("LUFFY_VAR_DIR", tempfile.mkdtemp(prefix="luffy-bench-sweep-"))
    os.environ["DJANGO_SETTINGS_MODULE"] = "luffy.config.settings.test"
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if "DATABASE_URL" in os.environ and "bench" not in connection.settings_dict["NAME"]:
        raise SystemExit("DATABASE_URL must name a throw-away database with 'bench' in its name")
    call_command("migrate", verbosity=0)
    if "DATABASE_URL" in os.environ:
        call_command("flush", interactive=False, verbosity=0)

    started = time.perf_counter()
    expect = seed(expired)
    seeded = time.perf_counter() - started
    result = sweep(batch)
    check(expect)
    print(json.dumps({
        "bench": "sweep", "orders": expired, "orders_in_table": expect["total"],
        "batch_size": batch, "seconds": round(result["seconds"], 3),
        "sql_queries": result["queries"], "batches": result["batches"],
        "queries_per_batch": round(result["queries"] / max(result["batches"], 1), 2),
        "ms_per_order": round(result["seconds"] * 1000 / expired, 4),
        "seed_seconds": round(seeded, 1), "db": connection.vendor,
    }), flush=True)  # fmt: skip


def seed(expired: int) -> dict:
    """expired unpaid orders among 10x as many others; returns what the sweep must do."""
    from datetime import timedelta
    from decimal import Decimal

    from django.db import connection, transaction
    from django.utils import timezone

    from luffy.catalog.models import Course
    from luffy.coupons.models import Coupon, UserCoupon
    from luffy.orders.models import Order, OrderLine
    from luffy.users.models import User

    rng = random.Random(6)
    now = timezone.now()
    total = expired * 11
    kinds = ["expired"] * expired + ["paid"] * (expired * 6)
    kinds += ["cancelled"] * (expired * 2) + ["live"] * (expired * 2)
    rng.shuffle(kinds)  # expired orders interleaved with the others, as in a real table

    courses = Course.objects.bulk_create(
        Course(name=f"Course {i}", price=Decimal("99.00")) for i in range(50)
    )
    course_ids = [c.id for c in courses]
    coupon = Coupon.objects.create(name="bench -10", sale="-10", type=Coupon.Type.FIXED)
    user_count = max(total // 10, 10)
    with transaction.atomic():
        User.objects.bulk_create(
            (
                User(
                    id=i + 1,
                    username=f"bench{i}",
                    mobile=f"1{i:010d}",
                    password="!",  # noqa: S106 (an unusable password)
                    credit=1000,
                    email="",
                )
                for i in range(user_count)
            ),
            batch_size=5000,
        )

    expect = {"total": total, "expired": expired, "released_credit": 0, "released_coupons": 0}
    status = {
        "expired": Order.Status.UNPAID,
        "live": Order.Status.UNPAID,
        "paid": Order.Status.PAID,
        "cancelled": Order.Status.CANCELLED,
    }
    coupon_status = {
        "expired": UserCoupon.Status.RESERVED,
        "live": UserCoupon.Status.RESERVED,
        "paid": UserCoupon.Status.USED,
        "cancelled": UserCoupon.Status.UNUSED,
    }
    coupon_id = 0
    with connection.cursor() as cursor:
        if connection.vendor == "mysql":  # orders and coupons point at each other
            cursor.execute("SET foreign_key_checks = 0")
    for start in range(0, total, CHUNK):
        orders, lines, coupons = [], [], []
        for index in range(start, min(start + CHUNK, total)):
            kind = kinds[index]
            order_id = index + 1
            user_id = rng.randrange(user_count) + 1
            picked = rng.sample(course_ids, 1 + index % 3)
            price = Decimal("99.00") * len(picked)
            credit = 100 if index % 2 == 0 else 0
            has_coupon = index % 4 == 1
            created = now - timedelta(minutes=rng.randrange(60, 60 * 24 * 30))
            deadline = created + timedelta(minutes=30)
            if kind == "live":
                created, deadline = now, now + timedelta(minutes=30)
            user_coupon_id = None
            if has_coupon:
                coupon_id += 1
                user_coupon_id = coupon_id
                released = kind == "cancelled"
                coupons.append(
                    UserCoupon(
                        id=coupon_id,
                        user_id=user_id,
                        coupon=coupon,
                        start=created,
                        status=coupon_status[kind],
                        order_id=None if released else order_id,
                    )
                )
            orders.append(
                Order(
                    id=order_id,
                    order_number=f"{created:%Y%m%d%H%M%S%f}{order_id:010d}",
                    user_id=user_id,
                    title="、".join(f"Course {c}" for c in picked),
                    status=status[kind],
                    total_price=price,
                    discounted_price=price,
                    coupon_amount=Decimal(10 if has_coupon else 0),
                    credit=credit,
                    credit_amount=Decimal(credit // 10),
                    real_price=price - (10 if has_coupon else 0) - credit // 10,
                    user_coupon_id=user_coupon_id,
                    pay_deadline=deadline,
                    created_at=created,
                    paid_at=created + timedelta(minutes=5) if kind == "paid" else None,
                )
            )
            lines.extend(
                OrderLine(
                    order_id=order_id,
                    course_id=c,
                    course_name=f"Course {c}",
                    expire_id=0,
                    expire_text="永久有效",
                    expire_days=0,
                    price=Decimal("99.00"),
                    real_price=Decimal("99.00"),
                )
                for c in picked
            )
            if kind == "expired":
                expect["released_credit"] += bool(credit)
                expect["released_coupons"] += has_coupon
        with transaction.atomic():
            Order.objects.bulk_create(orders, batch_size=2000)
            UserCoupon.objects.bulk_create(coupons, batch_size=2000)
            OrderLine.objects.bulk_create(lines, batch_size=2000)
    if connection.vendor == "mysql":
        with connection.cursor() as cursor:
            cursor.execute("SET foreign_key_checks = 1")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:  # explicit ids: move the sequences past them
            for table in ("luffy_user", "orders_order", "coupons_usercoupon"):
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
    if connection.vendor != "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "ANALYZE" if connection.vendor == "postgresql" else "ANALYZE TABLE orders_order"
            )
    return expect


def sweep(batch: int) -> dict:
    from django.db import connection
    from django.utils import timezone

    from luffy.orders.services import orders_record_timed_out

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    now, batches, done = timezone.now(), 0, 0
    with connection.execute_wrapper(count):
        started = time.perf_counter()
        for _ in range(10_000):  # bounded: far more than 100,000 / 500
            n = orders_record_timed_out(now=now, batch_size=batch)
            if not n:
                break
            batches += 1
            done += n
        seconds = time.perf_counter() - started
    return {"seconds": seconds, "queries": queries, "batches": batches, "done": done}


def check(expect: dict) -> None:
    """The sweep did exactly its job (a benchmark of a wrong sweep would be worthless)."""
    from luffy.coupons.models import UserCoupon
    from luffy.orders.models import Order, OrderStatusChange
    from luffy.users.models import CreditEntry

    assert Order.objects.filter(status=Order.Status.TIMED_OUT).count() == expect["expired"]
    assert OrderStatusChange.objects.count() == expect["expired"]
    releases = CreditEntry.objects.filter(reason=CreditEntry.Reason.ORDER_RELEASE)
    assert releases.count() == expect["released_credit"]
    timed_out = Order.objects.filter(status=Order.Status.TIMED_OUT)
    released = UserCoupon.objects.filter(
        status=UserCoupon.Status.UNUSED,
        order__isnull=True,
        id__in=timed_out.filter(user_coupon__isnull=False).values("user_coupon_id"),
    )
    assert released.count() == expect["released_coupons"]


if __name__ == "__main__":
    main()
