"""Dashboard benchmark: seconds and SQL queries for the back office's first page
(luffy.backoffice.reports.dashboard) over N orders spread across the last 30 days, before and
after the daily roll-up, side by side on the same data in one process:

- live: nothing rolled up, all 30 days aggregated from the orders (the dashboard before the
  roll-up: the same scans, plus one empty read of the roll-up table);
- roll-up: the 29 closed days rolled up (services.sales_days_roll_up, timed: what a backfill
  costs, and per day what the hourly re-roll of a recent day costs);
- rolled: the dashboard again, only today aggregated live (how long that takes grows with
  the hour of the day: the JSON says how many hours of today there were);
- yesterday live: yesterday's rows removed again, as in the first hour after midnight before
  the beat task ran: a whole day plus today aggregated live, whatever the clock.

    .venv/bin/python bench/dashboard.py [--sizes 110000,1100000] [--runs 5] [--live-runs 1]

Each size runs in its own process on a fresh throw-away SQLite file, or on DATABASE_URL if set
(flushed first, so its name must contain "bench"). The orders are bench/sweep.py's (inserted by
the database itself: 6 of 11 paid, created and paid over 30 days, 1-3 lines, 50 courses), plus a
succeeded refund for every 20th order and a flagged gateway message for every 1,000th.

Prints one JSON line per size: the best and median of `runs` calls (`live-runs` for the live
dashboard, which takes minutes on MariaDB at 1.1 M), and the query counts (fixed: 8 live, 9
rolled up, whatever the size)."""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="110000,1100000", help="orders per run")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--live-runs", type=int, help="calls of the live dashboard (default runs)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.runs, args.live_runs or args.runs)
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
                [sys.executable, __file__, "--one", str(size), "--runs", str(args.runs),
                 "--live-runs", str(args.live_runs or args.runs)],
                env=env, check=True, cwd=ROOT,
            )  # fmt: skip
        finally:
            if var_dir:
                shutil.rmtree(var_dir, ignore_errors=True)


def run_one(orders: int, runs: int, live_runs: int) -> None:
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

    from django.utils import timezone

    from luffy.backoffice.models import CourseSalesDay, SalesDay
    from luffy.backoffice.reports import CHART_DAYS, dashboard, local_day_start, local_today
    from luffy.backoffice.services import sales_days_roll_up

    queries = 0

    def count(execute, sql, params, many, context):
        nonlocal queries
        queries += 1
        return execute(sql, params, many, context)

    def timed_calls(n: int) -> tuple[list[float], int, object]:
        nonlocal queries
        queries, times = 0, []
        with connection.execute_wrapper(count):
            for call in range(n):
                # BENCH_PROFILE: the seconds of each statement of the first call (timed too).
                wrap = profile if call == 0 and os.environ.get("BENCH_PROFILE") else passthrough
                with connection.execute_wrapper(wrap):
                    began = time.perf_counter()
                    report = dashboard()
                    times.append(time.perf_counter() - began)
        return times, queries // n, report

    def passthrough(execute, sql, params, many, context):
        return execute(sql, params, many, context)

    def profile(execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            print(f"profile: {time.perf_counter() - began:7.3f} s  {sql[:90]}", file=sys.stderr)

    live_times, live_queries, live = timed_calls(live_runs)
    today = local_today(timezone.now())
    closed = [today - timedelta(days=n) for n in range(1, CHART_DAYS)]
    began = time.perf_counter()
    sales_days_roll_up(days=closed)
    rollup_seconds = time.perf_counter() - began
    rolled_times, rolled_queries, rolled = timed_calls(runs)
    # The first hour after midnight, before beat rolls up the day that just ended: a full day
    # (yesterday) and today live. Whatever the clock, at least one whole day is aggregated.
    CourseSalesDay.objects.filter(day=closed[0]).delete()
    SalesDay.objects.filter(day=closed[0]).delete()
    late_times, late_queries, late = timed_calls(runs)
    month, same = rolled.periods["30d"], rolled.periods == live.periods
    same = same and rolled.days == live.days and rolled.top_courses == live.top_courses
    same = same and late.days == live.days and late.top_courses == live.top_courses
    print(json.dumps({
        "bench": "dashboard", "orders": total, "db": connection.vendor,
        "live_best_seconds": round(min(live_times), 3),
        "live_median_seconds": round(statistics.median(live_times), 3),
        "live_queries": live_queries,
        "rollup_29_days_seconds": round(rollup_seconds, 2),
        "rolled_best_seconds": round(min(rolled_times), 3),
        "rolled_median_seconds": round(statistics.median(rolled_times), 3),
        "rolled_queries": rolled_queries,
        "yesterday_live_best_seconds": round(min(late_times), 3),
        "yesterday_live_median_seconds": round(statistics.median(late_times), 3),
        "yesterday_live_queries": late_queries, "same_figures": same,
        "today_local_hours": round((timezone.now() - local_day_start(today)).seconds / 3600, 2),
        "paid_orders_30d": month.paid_orders, "revenue_30d": str(month.revenue),
        "seed_seconds": round(seeded, 1),
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
            "INSERT INTO payments_refund (order_id, gateway, out_request_no, amount, reason, "  # noqa: S608
            "status, response, created_at, updated_at) "
            f"SELECT id, 'alipay', {ident}, 10.00, 'bench', 'succeeded', {json_empty}, paid_at, "
            "paid_at "
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
