"""Dashboard benchmark: seconds and SQL queries for the back office's first page
(luffy.backoffice.reports.dashboard) over N orders spread across the last 30 days.

    .venv/bin/python bench/dashboard.py [--sizes 110000,1100000] [--runs 5]

Each size runs in its own process on a fresh throw-away SQLite file, or on DATABASE_URL if set
(flushed first, so its name must contain "bench"). The orders are bench/sweep.py's (inserted by
the database itself: 6 of 11 paid, created and paid over 30 days, 1-3 lines, 50 courses), plus a
succeeded refund for every 20th order and a flagged gateway message for every 1,000th.

Prints one JSON line per size: the best and median of `runs` calls, and the query count (fixed:
7, whatever the size)."""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="110000,1100000", help="orders per run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.runs)
        return
    for size in [int(s) for s in args.sizes.split(",") if s.strip()]:
        env = dict(os.environ)
        var_dir = None
        if "DATABASE_URL" not in env:
            var_dir = tempfile.mkdtemp(prefix="luffy-bench-dashboard-")
            env["LUFFY_VAR_DIR"] = var_dir
        env.setdefault("DB_STATEMENT_TIMEOUT", "0")
        try:
            subprocess.run(
                [sys.executable, __file__, "--one", str(size), "--runs", str(args.runs)],
                env=env, check=True, cwd=ROOT,
            )  # fmt: skip
        finally:
            if var_dir:
                shutil.rmtree(var_dir, ignore_errors=True)


def run_one(orders: int, runs: int) -> None:
    sys.path.insert(0, str(ROOT))
    sys.path.insert(0, str(ROOT / "bench"))
    os.environ.setdefault("LUFFY_VAR_DIR", tempfile.mkdtemp(prefix="luffy-bench-dashboard-"))
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

    from sweep import seed  # bench/sweep.py: the same generated orders

    started = time.perf_counter()
    total = seed(max(orders // 11, 1))["total"]
    seed_refunds_and_messages(connection)
    seeded = time.perf_counter() - started

    from luffy.backoffice.reports import dashboard

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    if os.environ.get("BENCH_PROFILE"):  # seconds per statement, one call

        def timed(execute, sql, params, many, context):
            began = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                spent = time.perf_counter() - began
                print(f"profile: {spent:7.3f} s  {sql[:90]}", file=sys.stderr)

        with connection.execute_wrapper(timed):
            dashboard()
    times = []
    with connection.execute_wrapper(count):
        for _ in range(runs):
            began = time.perf_counter()
            report = dashboard()
            times.append(time.perf_counter() - began)
    month = report.periods["30d"]
    print(json.dumps({
        "bench": "dashboard", "orders": total, "db": connection.vendor,
        "best_seconds": round(min(times), 3), "median_seconds": round(statistics.median(times), 3),
        "queries_per_call": queries // runs, "paid_orders_30d": month.paid_orders,
        "revenue_30d": str(month.revenue), "seed_seconds": round(seeded, 1),
        "load_avg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
    }), flush=True)  # fmt: skip


def seed_refunds_and_messages(connection) -> None:
    """A succeeded refund of 10.00 for every 20th paid order, asked for 5 minutes after it was
    paid; a flagged gateway message for every 1,000th order."""
    vendor = connection.vendor
    ident = "CONCAT('R', CAST(id AS CHAR))" if vendor == "mysql" else "'R' || CAST(id AS TEXT)"
    json_empty = "'{}'"
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO payments_refund (order_id, out_request_no, amount, reason, status, "  # noqa: S608
            "response, created_at, updated_at) "
            f"SELECT id, {ident}, 10.00, 'bench', 'succeeded', {json_empty}, paid_at, paid_at "
            "FROM orders_order WHERE paid_at IS NOT NULL AND id % 20 = 0"
        )
        cursor.execute(
            "INSERT INTO payments_paymentmessage (source, out_trade_no, notify_id, raw, outcome, "  # noqa: S608
            "detail, flagged, created_at) "
            f"SELECT 'notify', order_number, '', {json_empty}, 'wrong_amount', 'bench', "
            f"{'TRUE' if vendor != 'sqlite' else '1'}, created_at FROM orders_order "
            "WHERE id % 1000 = 0"
        )
        cursor.execute("ANALYZE" if vendor != "mysql" else
                       "ANALYZE TABLE payments_refund, payments_paymentmessage")  # fmt: skip


if __name__ == "__main__":
    main()
