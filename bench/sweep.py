"""Timeout sweep benchmark: seconds and SQL queries to time out N expired unpaid orders that sit
among 10 N others (paid, cancelled, unpaid and not expired yet), with the sweep's step 1 as the
beat task runs it (orders_time_out_due), once per --db-workers count (SWEEP_DB_WORKERS: batches
applied at the same time, each worker on its own connection; always 1 on SQLite).

    .venv/bin/python bench/sweep.py [--sizes 1000,10000,100000] [--batch 500] [--ids random]
        [--db-workers 1,2]
    .venv/bin/python bench/sweep.py --cashier [--cashier-share 20] [--in-grace 500]
        [--gateway-ms 45] [--workers 8]
    .venv/bin/python bench/sweep.py --reconcile [--reconcile-workers 1,8] [--cashier-share 20]

With --reconcile, the same orders as --cashier's, then the reconciliation (the beat task's
payments_reconcile) over them through the same fake gateway, once per worker count on the same
data: every order that reached the cashier is asked about (unpaid, one call a gateway it was
sent to); one line per worker count with the calls per second.

With --cashier, a share of the expired orders reached the cashier (sent_to_gateway_at set):
most of them are past the grace margin (timed out without a gateway call), --in-grace of them
inside it, asked about through a fake gateway that answers "no such trade" after --gateway-ms
per call (query, then close); the sweep is the beat task's (payments.services.orders_expire),
and the line also says how many were timed out without a call, how many asked and the gateway
calls per second.

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
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,10000,100000", help="expired orders per run")
    parser.add_argument(
        "--batch", type=int, default=1000, help="orders_record_timed_out batch_size"
    )
    parser.add_argument(
        "--ids", choices=["time", "random"], default="time",
        help="time: ids follow creation time, as a real table's do; random: deadlines spread "
        "at random across ids (the worst case for the sweep: one expired order per page)",
    )  # fmt: skip
    parser.add_argument("--cashier", action="store_true", help="orders that reached the cashier")
    parser.add_argument("--cashier-share", type=int, default=20, help="percent of the expired")
    parser.add_argument("--in-grace", type=int, default=500, help="of them inside the grace window")
    parser.add_argument("--gateway-ms", type=float, default=45.0, help="fake gateway, per call")
    parser.add_argument("--workers", type=int, help="SWEEP_GATEWAY_WORKERS (default: setting)")
    parser.add_argument(
        "--db-workers", default="1,2",
        help="SWEEP_DB_WORKERS: batches applied at the same time; one run (and seed) each",
    )  # fmt: skip
    parser.add_argument(
        "--reconcile", action="store_true",
        help="the reconciliation over the --cashier orders (fake gateway), per worker count",
    )  # fmt: skip
    parser.add_argument("--reconcile-workers", default="1,8", help="RECONCILE_GATEWAY_WORKERS")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # a child run of one size
    args = parser.parse_args()
    if args.one:
        if args.reconcile:
            run_one_reconcile(args.one, args)
        elif args.cashier:
            run_one_cashier(args.one, args)
        else:
            run_one(args.one, args.batch, args.ids, args.db_workers)
        return
    cashier = []
    if args.cashier:
        cashier = ["--cashier", "--cashier-share", str(args.cashier_share), "--in-grace",
                   str(args.in_grace), "--gateway-ms", str(args.gateway_ms)]  # fmt: skip
        if args.workers:
            cashier += ["--workers", str(args.workers)]
    if args.reconcile:
        cashier += ["--reconcile", "--reconcile-workers", args.reconcile_workers,
                    "--cashier-share", str(args.cashier_share), "--in-grace",
                    str(args.in_grace), "--gateway-ms", str(args.gateway_ms)]  # fmt: skip
    runs = [(size, "") for size in [int(s) for s in args.sizes.split(",") if s.strip()]]
    if not (args.cashier or args.reconcile):  # the plain sweep: once per worker count
        counts = args.db_workers.split(",") if "DATABASE_URL" in os.environ else ["1"]  # SQLite
        runs = [(size, w.strip()) for size, _ in runs for w in counts]
    for size, db_workers in runs:
        env = dict(os.environ)
        var_dir = None
        if "DATABASE_URL" not in env:
            var_dir = tempfile.mkdtemp(prefix="luffy-bench-sweep-")
            env["LUFFY_VAR_DIR"] = var_dir
        try:
            subprocess.run(
                [
                    sys.executable,
                    __file__,
                    "--one",
                    str(size),
                    "--batch",
                    str(args.batch),
                    "--ids",
                    args.ids,
                    *(["--db-workers", db_workers] if db_workers else []),
                    *cashier,
                ],
                env=env,
                check=True,
                cwd=ROOT,
            )
        finally:
            if var_dir:
                shutil.rmtree(var_dir, ignore_errors=True)


def setup() -> None:
    """Django on the bench's database, migrated (and flushed when it is DATABASE_URL's): the
    head of run_one and run_one_cashier."""
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


def run_one(expired: int, batch: int, ids: str = "time", db_workers: str = "1") -> None:
    setup()
    from django.db import connection

    workers = int(db_workers)
    if connection.vendor == "sqlite":
        workers = 1  # one writer: the sweep applies its batches one by one there
    started = time.perf_counter()
    expect = seed(expired, ids=ids)
    seeded = time.perf_counter() - started
    result = sweep(batch, workers)
    check(expect)
    print(json.dumps({
        "bench": "sweep", "orders": expired, "orders_in_table": expect["total"],
        "batch_size": batch, "db_workers": workers, "ids": ids,
        "seconds": round(result["seconds"], 3),
        "sql_queries": result["queries"], "batches": result["batches"],
        "queries_per_batch": round(result["queries"] / max(result["batches"], 1), 2),
        "ms_per_order": round(result["seconds"] * 1000 / expired, 4),
        **({"server_cpu_seconds": result["server_cpu_seconds"]}
           if result["server_cpu_seconds"] is not None else {}),
        "seed_seconds": round(seeded, 1), "db": connection.vendor, **server_settings(),
        "load_avg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
    }), flush=True)  # fmt: skip


def seed(expired: int, *, ids: str = "time") -> dict:
    """expired unpaid orders among 10x as many others, inserted by the database itself (one
    INSERT ... SELECT per table from a generated series: PostgreSQL generate_series, MariaDB's
    sequence engine, a recursive CTE on SQLite), so 1.1 M orders take a minute or two, not the
    40 minutes model instances took. Returns what the sweep must do.

    Order n (1..11 x expired): n % 11 == 0 expired unpaid, 1-6 paid, 7-8 cancelled, 9-10 unpaid
    and not due yet; user 1 + (n * 7907) % users (ten orders per user); 1 + n % 3 lines; even n
    hold 100 credit points; n % 4 == 1 holds user coupon n (reserved, used or released
    according to the order's status); created over the last 30 days, in id order (--ids time,
    as a real table's ids follow time) or at random across ids (--ids random, the worst case)."""
    from django.db import connection, transaction
    from django.utils import timezone

    from luffy.catalog.models import Course
    from luffy.coupons.models import Coupon, UserCoupon
    from luffy.orders.models import Order, OrderLine
    from luffy.users.models import User

    vendor = connection.vendor
    now = timezone.now()
    total = expired * 11
    users = max(total // 10, 10)
    Course.objects.bulk_create(
        Course(id=i + 1, name=f"Course {i}", price="99.00", status=Course.Status.ONLINE)
        for i in range(50)
    )
    coupon = Coupon.objects.create(name="bench -10", sale="-10", type=Coupon.Type.FIXED)

    def text(expr):
        return f"CAST({expr} AS {'CHAR' if vendor == 'mysql' else 'TEXT'})"

    def concat(*parts):
        return f"CONCAT({', '.join(parts)})" if vendor == "mysql" else " || ".join(parts)

    stamp = connection.ops.adapt_datetimefield_value(now)

    def minutes_ago(expr):  # a timestamp `expr` minutes before now, as each database stores it
        if vendor == "postgresql":
            return f"(%s::timestamptz - ({expr}) * interval '1 minute')"
        if vendor == "mysql":
            return f"(CAST(%s AS DATETIME(6)) - INTERVAL ({expr}) MINUTE)"
        return f"strftime('%%Y-%%m-%%d %%H:%%M:%%f', %s, (-({expr})) || ' minutes')"

    def series(count):
        if vendor == "postgresql":
            return "", f"generate_series(1::bigint, {count}) AS s(n)"
        if vendor == "mysql":
            return "", f"(SELECT seq AS n FROM seq_1_to_{count}) AS s"  # noqa: S608
        recursive = "WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {})"
        return recursive.format(count) + " ", "s"

    def insert_select(model, template, overrides: dict, count: int, where: str = "TRUE"):
        """INSERT INTO model's table SELECT, one row per n in 1..count matching `where`:
        columns in `overrides` are SQL expressions of n (a %s in them takes now), the
        others the template instance's values."""
        columns, exprs, params = [], [], []
        for field in model._meta.concrete_fields:
            columns.append(connection.ops.quote_name(field.column))
            if field.attname in overrides:
                expr = overrides[field.attname]
                exprs.append(expr)
                params.extend([stamp] * expr.count("%s"))
            else:
                if field.primary_key:
                    columns.pop()
                    continue
                value = field.pre_save(template, add=True)
                exprs.append("%s")
                params.append(field.get_db_prep_save(value, connection))
        prefix, source = series(count)
        select = f"SELECT {', '.join(exprs)} FROM {source} WHERE {where}"  # noqa: S608
        sql = f"INSERT INTO {model._meta.db_table} ({', '.join(columns)}) {prefix}{select}"
        with connection.cursor() as cursor:
            cursor.execute(sql, params)

    true = "1 = 1"
    user_of = f"1 + (n * 7907) %% {users}"
    unpaid = "(n %% 11 = 0 OR n %% 11 >= 9)"
    status = f"CASE WHEN {unpaid} THEN 0 WHEN n %% 11 <= 6 THEN 1 ELSE 2 END"
    if ids == "time":  # order n was created before order n + 1, over the last 30 days
        div = "DIV" if vendor == "mysql" else "/"
        spread = f"((({total} - n) * 43140) {div} {total})"
    else:
        spread = "((n * 104729) %% 43140)"
    created_ago = f"CASE WHEN n %% 11 >= 9 THEN 0 ELSE 60 + {spread} END"
    has_coupon = "n %% 4 = 1"
    price = "99 * (1 + n %% 3)"
    coupon_amount = f"CASE WHEN {has_coupon} THEN 10 ELSE 0 END"
    credit = "CASE WHEN n %% 2 = 0 THEN 100 ELSE 0 END"
    credit_amount = "CASE WHEN n %% 2 = 0 THEN 10 ELSE 0 END"
    paid_ago = minutes_ago(f"{created_ago} - 5")
    with transaction.atomic():
        with connection.cursor() as cursor:
            if vendor == "mysql":  # orders and coupons point at each other
                cursor.execute("SET foreign_key_checks = 0")
            if vendor == "postgresql":  # no foreign key checks (3 M deferred ones at commit)
                cursor.execute("SET LOCAL session_replication_role = replica")
        insert_select(
            User,
            User(username="x", mobile="x", password="!", credit=1000, email=""),  # noqa: S106
            {
                "id": "n",
                "username": concat("'bench'", text("n")),
                "mobile": text("10000000000 + n"),
            },
            users,
            true,
        )
        insert_select(
            Order,
            Order(
                title="Course bench",
                total_price=0,
                discounted_price=0,
                real_price=0,
                pay_deadline=now,
                created_at=now,
            ),
            {
                "id": "n",
                "order_number": concat("'B'", text("n")),
                "user_id": user_of,
                "status": status,
                "total_price": price,
                "discounted_price": price,
                "coupon_amount": coupon_amount,
                "credit": credit,
                "credit_amount": credit_amount,
                "real_price": f"{price} - {coupon_amount} - {credit_amount}",
                "user_coupon_id": f"CASE WHEN {has_coupon} THEN n END",
                "created_at": minutes_ago(created_ago),
                "pay_deadline": minutes_ago(f"{created_ago} - 30"),
                "paid_at": f"CASE WHEN n %% 11 BETWEEN 1 AND 6 THEN {paid_ago} END",
            },
            total,
            true,
        )
        insert_select(
            UserCoupon,
            UserCoupon(user_id=1, coupon=coupon, start=now),
            {
                "id": "n",
                "user_id": user_of,
                "status": f"CASE WHEN {unpaid} THEN 1 WHEN n %% 11 <= 6 THEN 2 ELSE 0 END",
                "order_id": "CASE WHEN n %% 11 IN (7, 8) THEN NULL ELSE n END",
            },
            total,
            has_coupon,
        )
        line = OrderLine(course_name="Course", expire_id=0, expire_text="永久有效", expire_days=0,
                         price="99.00", real_price="99.00")  # fmt: skip
        for k, where in [(0, true), (1, "n %% 3 >= 1"), (2, "n %% 3 = 2")]:
            insert_select(
                OrderLine,
                line,
                {"order_id": "n", "course_id": f"1 + (n + {17 * k}) %% 50"},
                total,
                where,
            )
        with connection.cursor() as cursor:
            if vendor == "mysql":
                cursor.execute("SET foreign_key_checks = 1")
            if vendor == "postgresql":  # explicit ids: move the sequences past them
                for table in ("luffy_user", "orders_order", "coupons_usercoupon"):
                    cursor.execute(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                        f"(SELECT max(id) FROM {table}))"
                    )
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            # What autovacuum and the checkpointer would have done to a real table by the time
            # it sweeps: hint bits and the visibility map set, the seed's pages written out.
            # Without it (this server runs without autovacuum) the sweep's first touch of each
            # seeded page dirties it and evicts the seed's dirty pages itself (EXPLAIN showed
            # "written=" on every part of the batch).
            cursor.execute("VACUUM (ANALYZE)")
            cursor.execute("CHECKPOINT")
        elif vendor == "mysql":
            cursor.execute("ANALYZE TABLE orders_order, luffy_user, coupons_usercoupon")
        else:
            cursor.execute("ANALYZE")
    ks = range(11, total + 1, 11)  # the expired orders' n
    return {
        "total": total,
        "expired": expired,
        "released_credit": sum(1 for n in ks if n % 2 == 0),
        "released_coupons": sum(1 for n in ks if n % 4 == 1),
    }


def sweep(batch: int, workers: int) -> dict:
    """The sweep's step 1 as the beat task runs it (orders_time_out_due: batches of `batch`,
    `workers` of them at a time, each worker on its own connection), every statement and
    commit of every connection counted and timed (times summed over the workers)."""
    from django.db import connection
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.signals import connection_created
    from django.utils import timezone

    from luffy.orders.services import orders_time_out_due

    queries = 0
    per_statement: dict[str, float] = {}
    tally = threading.Lock()

    def add(kind: str, spent: float) -> None:
        with tally:
            per_statement[kind] = per_statement.get(kind, 0) + spent

    def count(execute, sql, params, many, context):
        nonlocal queries
        with tally:
            queries += 1
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            kind = " ".join(sql.split()[:3])[:40] + (
                " ... FOR UPDATE" if "FOR UPDATE" in sql else ""
            )
            add(kind, time.perf_counter() - started)

    def watch(sender, connection, **kwargs):  # each worker thread's new connection
        connection.execute_wrappers.append(count)

    # The commits go through the connection, not a cursor, so the wrapper never sees them.
    commit = BaseDatabaseWrapper._commit

    def timed_commit(self):
        started = time.perf_counter()
        try:
            return commit(self)
        finally:
            add("COMMIT", time.perf_counter() - started)

    now = timezone.now()
    counters_before = server_counters()
    cpu_before = server_cpu_seconds()
    BaseDatabaseWrapper._commit = timed_commit
    connection_created.connect(watch)
    try:
        with connection.execute_wrapper(count):
            started = time.perf_counter()
            done = orders_time_out_due(now=now, batch_size=batch, workers=workers)
            seconds = time.perf_counter() - started
    finally:
        connection_created.disconnect(watch)
        BaseDatabaseWrapper._commit = commit
    cpu_after = server_cpu_seconds()
    batches = -(-done // batch)
    if os.environ.get("BENCH_PROFILE"):
        for kind, spent in sorted(per_statement.items(), key=lambda kv: -kv[1]):
            print(f"profile: {spent:8.3f} s  {kind}", file=sys.stderr)
        if workers == 1:
            outside = seconds - sum(per_statement.values())
            print(f"profile: {outside:8.3f} s  outside the statements and commits (Python, "
                  "log lines)", file=sys.stderr)  # fmt: skip
        counters = server_counters()
        for name, value in counters.items():
            print(f"profile: {value - counters_before[name]:>10}  {name}", file=sys.stderr)
    server_cpu = None if cpu_before is None else round(cpu_after - cpu_before, 2)
    return {"seconds": seconds, "queries": queries, "batches": batches, "done": done,
            "server_cpu_seconds": server_cpu}  # fmt: skip


# MariaDB's server-wide counters of what the sweep cost (other databases on the same server add
# to them): page requests and the pages read from disk because the buffer pool missed them,
# bytes read and written, file syncs, log writes, index look-ups, rows updated and written.
MARIADB_COUNTERS = ("Innodb_buffer_pool_read_requests", "Innodb_buffer_pool_reads",
                    "Innodb_data_read", "Innodb_data_written", "Innodb_data_fsyncs",
                    "Innodb_log_writes", "Handler_read_key", "Handler_read_next",
                    "Handler_update", "Handler_write")  # fmt: skip


def server_counters() -> dict[str, int]:
    from django.db import connection

    if connection.vendor != "mysql":
        return {}
    marks = ", ".join(["%s"] * len(MARIADB_COUNTERS))
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW GLOBAL STATUS WHERE Variable_name IN ({marks})", MARIADB_COUNTERS)
        return {name: int(value) for name, value in cursor.fetchall()}


def server_settings() -> dict:
    """The server settings the figures depend on (MariaDB: the InnoDB buffer pool, which the
    1.1 M orders with their indexes exceed at its 128 MB default, and the commit's log flush;
    PostgreSQL: shared_buffers, whose 128 MB default the same data exceeds)."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW shared_buffers")
            return {"shared_buffers": cursor.fetchone()[0]}
        if connection.vendor != "mysql":
            return {}
        cursor.execute("SELECT @@innodb_buffer_pool_size, @@innodb_flush_log_at_trx_commit")
        pool, flush = cursor.fetchone()
    return {"innodb_buffer_pool_mb": int(pool) // 2**20, "innodb_flush_log_at_trx_commit": flush}


def server_cpu_seconds() -> float | None:
    """CPU time the PostgreSQL server has used, when it runs on this machine (/proc): every
    backend (the workers' come and go), the postmaster and its background writers (the WAL
    and checkpoints the sweep causes); the backends that have exited count through the
    postmaster's children's times. Work for other databases on the same server adds to it.
    On a shared machine the steadier figure of the server's work, as wall time also counts
    waiting for a core. None elsewhere (MariaDB serves from threads)."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def stat(pid) -> list[str]:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()

    try:
        postmaster = int(stat(backend)[1])  # the backend's parent
        fields = stat(postmaster)
        ticks = sum(int(fields[i]) for i in (11, 12, 13, 14))  # its own and reaped children's
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                try:
                    fields = stat(entry.name)
                except OSError:  # gone meanwhile
                    continue
                if int(fields[1]) == postmaster:
                    ticks += int(fields[11]) + int(fields[12])  # utime + stime
    except OSError:  # another machine's server, or not ours to read
        return None
    return ticks / os.sysconf("SC_CLK_TCK")


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


def run_one_cashier(expired: int, args) -> None:
    """The beat's sweep over bench orders of which --cashier-share percent reached the cashier."""
    setup()
    from django.conf import settings
    from django.db import connection

    started = time.perf_counter()
    expect = seed(expired)
    reached, in_grace = seed_cashier(args.cashier_share, args.in_grace)
    seeded = time.perf_counter() - started
    if args.workers:
        settings.SWEEP_GATEWAY_WORKERS = args.workers
    result = sweep_with_fake_gateway(args.batch, args.gateway_ms / 1000)
    check(expect)
    report, calls = result["report"], result["calls"]
    asking = (calls[-1] - calls[0]) if len(calls) > 1 else 0.0
    print(json.dumps({
        "bench": "sweep_cashier", "orders": expired, "orders_in_table": expect["total"],
        "reached_cashier": reached, "in_grace_window": in_grace,
        "grace_seconds": settings.SWEEP_GATEWAY_GRACE_SECONDS,
        "workers": settings.SWEEP_GATEWAY_WORKERS, "gateway_ms_per_call": args.gateway_ms,
        "seconds": round(result["seconds"], 3), "timed_out": report.timed_out,
        "timed_out_without_call": report.unasked, "asked": report.asked,
        "gateway_calls": len(calls), "asking_seconds": round(asking, 3),
        "calls_per_second": round(len(calls) / asking, 1) if asking else None,
        "complete": report.complete, "batch_size": args.batch, "seed_seconds": round(seeded, 1),
        "db": connection.vendor,
        "load_avg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
    }), flush=True)  # fmt: skip


def seed_cashier(share: int, in_grace: int) -> tuple[int, int]:
    """Mark `share` percent of seed()'s expired orders (n % 11 == 0) as sent to Alipay ten
    minutes before their deadline (all past the grace margin: seed's deadlines are at least
    30 minutes old), then move the first `in_grace` of them inside the grace window (deadline
    half the margin ago), each with its Trade, every tenth also sent to WeChat Pay. Returns
    (orders that reached the cashier, of them inside the window)."""
    from datetime import timedelta

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from luffy.orders.models import Order
    from luffy.payments.gateway import GatewayKind
    from luffy.payments.models import Trade

    minus_ten = {
        "postgresql": "pay_deadline - interval '10 minutes'",
        "mysql": "pay_deadline - INTERVAL 10 MINUTE",
    }.get(connection.vendor, "strftime('%%Y-%%m-%%d %%H:%%M:%%f', pay_deadline, '-10 minutes')")
    with connection.cursor() as cursor:
        # n = 11 k: n % 1100 = 11 (k % 100), so this picks k % 100 < share, spread evenly.
        cursor.execute(
            f"UPDATE orders_order SET sent_to_gateway_at = {minus_ten} "  # noqa: S608
            f"WHERE status = 0 AND id %% 11 = 0 AND id %% 1100 < {11 * int(share)}",
            [],
        )
        reached = cursor.rowcount
    now = timezone.now()
    deadline = now - timedelta(seconds=settings.SWEEP_GATEWAY_GRACE_SECONDS / 2)
    reached_orders = Order.objects.filter(
        status=Order.Status.UNPAID, sent_to_gateway_at__isnull=False
    )
    ids = list(reached_orders.order_by("id").values_list("id", flat=True)[:in_grace])
    Order.objects.filter(id__in=ids).update(
        pay_deadline=deadline, sent_to_gateway_at=deadline - timedelta(minutes=10)
    )
    orders = Order.objects.filter(id__in=ids).values_list("id", "order_number", "real_price")
    Trade.objects.bulk_create(
        Trade(
            order_id=order_id,
            gateway=kind,
            out_trade_no=number,
            amount=price,
            sent_at=deadline - timedelta(minutes=10),
        )
        for i, (order_id, number, price) in enumerate(orders)
        for kind in (
            [GatewayKind.ALIPAY, GatewayKind.WECHAT] if i % 10 == 0 else [GatewayKind.ALIPAY]
        )
    )
    return reached, len(ids)


def sweep_with_fake_gateway(batch: int, latency: float) -> dict:
    """payments.services.orders_expire with every gateway a fake that takes `latency` seconds a
    call and knows no trade (so each order asked about is closed and times out)."""
    from django.utils import timezone

    from luffy.payments.services import jobs

    calls = fake_gateway(latency)
    started = time.perf_counter()
    report = jobs.orders_expire(now=timezone.now(), batch_size=batch, budget_seconds=3600)
    seconds = time.perf_counter() - started
    calls.sort()
    return {"seconds": seconds, "report": report, "calls": calls}


def fake_gateway(latency: float) -> list[float]:
    """Make every gateway the jobs ask a fake that takes `latency` seconds a call and knows no
    trade. Returns the list each call's end time is appended to."""
    import threading

    from luffy.payments.gateway import CloseResult, QueryAnswer
    from luffy.payments.services import confirm, jobs

    calls: list[float] = []
    lock = threading.Lock()

    class NoTradeGateway:
        def __init__(self, kind):
            self.kind = kind

        def _call(self):
            time.sleep(latency)
            with lock:
                calls.append(time.perf_counter())

        def query(self, out_trade_no):
            self._call()
            return QueryAnswer(raw={"sub_code": "ACQ.TRADE_NOT_EXIST"}, trade=None,
                               detail="TRADE_NOT_EXIST")  # fmt: skip

        def close(self, out_trade_no):
            self._call()
            return CloseResult.NO_TRADE

    confirm.gateway_for = jobs.gateway_for = NoTradeGateway
    return calls


def run_one_reconcile(expired: int, args) -> None:
    """The reconciliation (payments.services.payments_reconcile) over the --cashier bench's
    orders, through the fake gateway, once per --reconcile-workers value on the same data (it
    changes nothing there: the fake knows no trade), one JSON line each."""
    setup()
    from datetime import timedelta

    from django.conf import settings
    from django.db import connection
    from django.utils import timezone

    from luffy.payments.services import jobs

    started = time.perf_counter()
    expect = seed(expired)
    reached, _ = seed_cashier(args.cashier_share, args.in_grace)
    seeded = time.perf_counter() - started
    calls = fake_gateway(args.gateway_ms / 1000)
    for workers in [int(w) for w in args.reconcile_workers.split(",") if w.strip()]:
        settings.RECONCILE_GATEWAY_WORKERS = workers
        calls.clear()
        now = timezone.now()
        started = time.perf_counter()
        report = jobs.payments_reconcile(now=now, paid_since=now - timedelta(hours=24),
                                         budget_seconds=3600)  # fmt: skip
        seconds = time.perf_counter() - started
        assert report["complete"] and report["checked"] == reached, report
        print(json.dumps({
            "bench": "reconcile", "orders_in_table": expect["total"], "reached_cashier": reached,
            "workers": workers, "gateway_ms_per_call": args.gateway_ms,
            "page_size": settings.RECONCILE_PAGE_SIZE, "checked": report["checked"],
            "gateway_calls": len(calls), "seconds": round(seconds, 3),
            "calls_per_second": round(len(calls) / seconds, 1),
            "ms_per_order": round(seconds * 1000 / max(report["checked"], 1), 2),
            "seed_seconds": round(seeded, 1), "db": connection.vendor,
            "load_avg": [round(x, 2) for x in os.getloadavg()], "cpus": os.cpu_count(),
        }), flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
