"""CI: the reference topology of docs/deployment.md ("Several nodes"), started and proven.

Two web nodes, one worker, two beats and the offline Alipay sandbox, each `python -m luffy.serve
<part>` with its own var folder (nothing shared on disk but the Alipay keys), on PostgreSQL, the
system Redis and RabbitMQ (a vhost, databases and a key prefix of this run's own), with the
production settings. Purchases go through the HTTP API of both nodes, a cart filled on one node
checked out on the other; the sandbox is paid through its HTTP cashier. Each order ends one way:

- notify:   paid at the cashier; the sandbox's worker notifies web node B
- return:   paid at the cashier; the return redirect's parameters confirmed on the other node
- lost:     paid at the cashier, its notify dropped (sandbox fault): the reconciliation that
            the beats schedule must settle it
- cancel:   pay URL issued, then cancelled on the other node
- timeout:  pay URL issued, never paid: the sweep (ORDER_PAY_TIMEOUT_MINUTES=1) times it out

Then, within the time bound: every order in its expected state, both beats seen sending the
sweep and the reconciliation, /healthz of each node ok with fresh heartbeats, and
`manage.py check_books` with zero differences. Every process is stopped at the end, on failure
too; the databases, the vhost and the Redis keys are removed. Logs: kept on failure (printed).

    .venv/bin/python .ci/multinode.py [--seconds 240]

Environment (defaults for a CI machine): MULTINODE_RUN_ID, MULTINODE_POSTGRES
(postgres://postgres@127.0.0.1:5432), MULTINODE_REDIS_URL (redis://127.0.0.1:6379/1),
MULTINODE_AMQP (amqp://guest:guest@127.0.0.1:5672)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from luffy.common.embedded_redis import die_with_parent  # noqa: E402

PY = sys.executable
PASSWORD = "Sturdy-pass-2026"
UNPAID, PAID, CANCELLED, TIMED_OUT = 0, 1, 2, 3
# Per buyer, in this order: the lost notifies first, one at a time (the drop fault is global),
# the timeouts next (their minute starts early), then the rest.
SCENARIOS = ["lost", "timeout", "notify", "return", "cancel"]
BUYERS = 3
EXPECTED = {"notify": PAID, "return": PAID, "lost": PAID, "cancel": CANCELLED, "timeout": TIMED_OUT}
started = time.monotonic()


def say(message: str) -> None:
    print(f"[multinode {time.monotonic() - started:5.1f}s] {message}", flush=True)


class Failed(Exception):
    pass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(url: str, *, data=None, token: str = "", method: str = "", headers=None, form=False):
    """JSON in and out; HTTP errors come back as (status, body) instead of raising."""
    body = None
    request_headers = dict(headers or {})
    if data is not None and form:
        body = urllib.parse.urlencode(data).encode()
        request_headers["Content-Type"] = "application/x-www-form-urlencoded"
    elif data is not None:
        body = json.dumps(data).encode()
        request_headers["Content-Type"] = "application/json"
    if token:
        request_headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=body, method=method or None, headers=request_headers)
    try:
        with urllib.request.urlopen(request, timeout=20) as response:
            return response.status, _json(response.read())
    except urllib.error.HTTPError as error:
        return error.code, _json(error.read())


def _json(raw: bytes):
    try:
        return json.loads(raw)
    except ValueError:
        return raw.decode(errors="replace")


def ok(status_body, what: str):
    status, body = status_body
    if status >= 400:
        raise Failed(f"{what}: HTTP {status} {body}")
    return body


def wait_for(what: str, condition, deadline: float, every: float = 0.5, alive=None):
    """Poll until condition() is true; `alive()` raises at once if a part has died."""
    while True:
        if alive is not None:
            alive()
        try:
            result = condition()
        except (OSError, Failed):
            result = None
        if result:
            return result
        if time.monotonic() > deadline:
            raise Failed(f"timed out waiting for {what}")
        time.sleep(every)


class Topology:
    def __init__(self, *, run_id: str, folder: Path, seconds: float):
        self.run_id = run_id
        self.folder = folder
        self.deadline = started + seconds
        self.processes: dict[str, subprocess.Popen] = {}
        self.logs: dict[str, Path] = {}
        self.ports = {"a": free_port(), "b": free_port(), "sandbox": free_port()}
        self.nodes = [f"http://127.0.0.1:{self.ports['a']}", f"http://127.0.0.1:{self.ports['b']}"]
        self.sandbox = f"http://127.0.0.1:{self.ports['sandbox']}"
        postgres = os.environ.get("MULTINODE_POSTGRES", "postgres://postgres@127.0.0.1:5432")
        self.postgres = postgres.rstrip("/")
        self.databases = [f"luffy_{run_id}", f"luffy_{run_id}_sandbox"]
        self.redis_url = os.environ.get("MULTINODE_REDIS_URL", "redis://127.0.0.1:6379/1")
        self.vhost = f"luffy_{run_id}"
        amqp = os.environ.get("MULTINODE_AMQP", "amqp://guest:guest@127.0.0.1:5672")
        self.amqp = amqp.rstrip("/")
        self.prefix = f"luffy-{run_id}"
        self.env = self._environment()

    # --- the environment every process shares (docs/deployment.md: same code, same settings) ---
    def _environment(self) -> dict:
        inherited = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("ALIPAY_", "CELERY_", "DJANGO_", "MULTINODE_", "WECHAT_"))
            and key not in {"DATABASE_URL", "REDIS_URL", "CACHE_KEY_PREFIX", "LUFFY_VAR_DIR"}
        }
        node_b = self.nodes[1]
        return {
            **inherited,
            "DJANGO_SETTINGS_MODULE": "luffy.config.settings.production",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            # No TLS proxy in front: plain http everywhere (the notify too; check luffy.E001).
            "SECURE_SSL_REDIRECT": "false",
            "DATABASE_URL": f"{self.postgres}/{self.databases[0]}",
            "REDIS_URL": self.redis_url,
            "CACHE_KEY_PREFIX": self.prefix,
            "CELERY_BROKER_URL": f"{self.amqp}/{self.vhost}",
            "ALIPAY_SANDBOX_PORT": str(self.ports["sandbox"]),
            "ALIPAY_GATEWAY": f"{self.sandbox}/gateway.do",
            "ALIPAY_SANDBOX_DATABASE_URL": f"{self.postgres}/{self.databases[1]}",
            "ALIPAY_KEY_DIR": str(self.folder / "alipay-keys"),  # one key pair for all parts
            "ALIPAY_NOTIFY_URL": f"{node_b}/api/payments/alipay/result/",
            "ALIPAY_RETURN_URL": f"{self.nodes[0]}/payments/result",
            "ORDER_PAY_TIMEOUT_MINUTES": "1",
            "SWEEP_INTERVAL_SECONDS": "5",
            "RECONCILE_INTERVAL_SECONDS": "8",
            "SMS_BACKEND": "luffy.users.sms.FileBackend",
            "THROTTLE_SMS_IP": "1000/hour",
            "THROTTLE_LOGIN_IP": "1000/min",
            "THROTTLE_MOBILE_IP": "1000/min",
            "WEB_CONCURRENCY": "2",
            "GUNICORN_THREADS": "4",
            "CELERY_CONCURRENCY": "2",
            "WEB_BUILD": "false",
            "LOG_LEVEL": "INFO",
            "HOST": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
        }

    def part_env(self, name: str, **extra: str) -> dict:
        var_dir = self.folder / name  # each process its own var folder: nothing shared on disk
        var_dir.mkdir(parents=True, exist_ok=True)
        return {**self.env, "LUFFY_VAR_DIR": str(var_dir), **extra}

    # --- servers: databases, vhost, Redis keys of this run ------------------------------------
    def psql(self, sql: str) -> None:
        subprocess.run(
            ["psql", f"{self.postgres}/postgres", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip

    def create_servers(self) -> None:
        for database in self.databases:
            self.psql(f'DROP DATABASE IF EXISTS "{database}"')
            self.psql(f'CREATE DATABASE "{database}"')
        user = urllib.parse.urlsplit(self.amqp).username or "guest"
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.vhost], capture_output=True)
        subprocess.run(["rabbitmqctl", "-q", "add_vhost", self.vhost], check=True, timeout=60)
        subprocess.run(
            ["rabbitmqctl", "-q", "set_permissions", "-p", self.vhost, user, ".*", ".*", ".*"],
            check=True, timeout=60,
        )  # fmt: skip

    def remove_servers(self) -> None:
        subprocess.run(["rabbitmqctl", "-q", "delete_vhost", self.vhost], capture_output=True)
        for database in self.databases:
            with contextlib.suppress(subprocess.SubprocessError):
                self.psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        with contextlib.suppress(Exception):
            import redis

            client = redis.Redis.from_url(self.redis_url)
            keys = list(client.scan_iter(f"{self.prefix}:*", count=1000))
            if keys:
                client.delete(*keys)

    # --- processes ----------------------------------------------------------------------------
    def manage(self, *args: str, name: str = "setup") -> subprocess.CompletedProcess:
        env = self.part_env(name, DB_STATEMENT_TIMEOUT="0", DB_LOCK_TIMEOUT="0")
        return subprocess.run(
            [PY, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=max(self.deadline - time.monotonic(), 10),
        )  # fmt: skip

    def start(self, name: str, part: str, **extra: str) -> None:
        self.logs[name] = self.folder / f"{name}.log"
        with self.logs[name].open("w") as log:
            self.processes[name] = subprocess.Popen(
                [PY, "-m", "luffy.serve", part], cwd=ROOT, env=self.part_env(name, **extra),
                stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent,
            )  # fmt: skip

    def wait(self, what: str, condition, every: float = 0.5):
        return wait_for(what, condition, self.deadline, every, alive=self.check_running)

    def check_running(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                raise Failed(f"{name} exited with code {process.returncode}")

    def stop(self) -> None:
        """SIGINT to each supervisor (it stops its gunicorn or Celery children), web first."""
        for name in ("web-a", "web-b", "beat-1", "beat-2", "worker", "sandbox"):
            process = self.processes.get(name)
            if process is not None and process.poll() is None:
                process.send_signal(signal.SIGINT)
        for name, process in self.processes.items():
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                say(f"{name} did not stop within 30 s: killing it")
                process.kill()
                process.wait()

    def health(self, base: str) -> dict | None:
        status, body = http(f"{base}/healthz")
        return body if status == 200 and isinstance(body, dict) else None

    # --- the store's API, as a buyer uses it ---------------------------------------------------
    def sms_code(self, mobile: str) -> str:
        sms = self.folder / "worker" / "sms" / f"{mobile}.txt"  # the worker sends SMS codes
        text = self.wait(f"the SMS to {mobile}", lambda: sms.exists() and sms.read_text())
        return re.search(r"(?<!\d)(\d{6})(?!\d)", text).group(1)

    def buyer(self, number: int) -> dict:
        """Registered on one node, logged in on the other: the token works on both."""
        mobile = f"139{secrets.randbelow(10**8):08d}"
        here, there = self.nodes[number % 2], self.nodes[(number + 1) % 2]
        ok(http(f"{here}/api/users/sms/{mobile}/"), "SMS code")
        data = {"mobile": mobile, "password": PASSWORD, "sms_code": self.sms_code(mobile)}
        ok(http(f"{here}/api/users/register/", data=data), "register")
        login = ok(
            http(f"{there}/api/users/login/", data={"username": mobile, "password": PASSWORD}),
            "login",
        )
        return {"mobile": mobile, "token": login["access"], "number": number}

    def checkout(self, buyer: dict, course_id: int, index: int) -> dict:
        """The cart filled on one node, the order placed on the other, the pay URL on the first."""
        first, second = self.nodes[index % 2], self.nodes[(index + 1) % 2]
        token = buyer["token"]
        ok(http(f"{first}/api/cart/", data={"course_id": course_id}, token=token), "add to cart")
        order = ok(http(f"{second}/api/orders/", data={"pay_type": "alipay"}, token=token), "order")
        number = order["order_number"]
        url = ok(
            http(f"{first}/api/payments/alipay/?order_number={number}", token=token), "pay URL"
        )["url"]
        return {"number": number, "url": url, "token": token, "price": order["real_price"]}

    def pay_at_cashier(self, order: dict) -> str:
        """Open the pay URL (the gateway redirects to its cashier) and pay: the return redirect."""
        with urllib.request.urlopen(order["url"], timeout=20) as response:
            cashier = response.url
        request = urllib.request.Request(cashier + "pay/", data=b"", method="POST")
        try:
            urllib.request.build_opener(_NoRedirect).open(request, timeout=20)
        except urllib.error.HTTPError as redirect:
            if redirect.code == 302:
                return redirect.headers["Location"]
            raise Failed(f"cashier pay: HTTP {redirect.code} {redirect.read()[:300]!r}") from None
        raise Failed("cashier pay: no return redirect")

    def order_status(self, order: dict, node: int = 0) -> int:
        base = self.nodes[node % 2]
        return ok(http(f"{base}/api/orders/{order['number']}/", token=order["token"]), "order")[
            "status"
        ]

    def sandbox_trade(self, number: str) -> dict:
        return ok(http(f"{self.sandbox}/sandbox/trades/{number}/"), "sandbox trade")

    def drop_next_notify(self) -> None:
        token = (self.folder / "sandbox" / "alipay_sandbox_control_token").read_text().strip()
        ok(
            http(
                f"{self.sandbox}/sandbox/faults/",
                data={"drop_notify": 1},
                headers={"X-Sandbox-Token": token},
            ),
            "sandbox fault",
        )


def run(topology: Topology) -> None:
    t = topology
    t.create_servers()
    say(f"databases {', '.join(t.databases)}, vhost {t.vhost}, Redis {t.redis_url} ({t.prefix})")
    # Once per release, from one node (docs/deployment.md); collectstatic meanwhile, as an
    # image build would, its result then copied to each web node's own disk.
    collect = subprocess.Popen(
        [PY, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=t.part_env("build"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        for args in (("migrate", "--noinput", "-v", "0"), ("load_demo_catalog", "--if-empty")):
            result = t.manage(*args)
            if result.returncode:
                raise Failed(f"manage.py {' '.join(args)}: {result.stdout}{result.stderr}")
        _, errors = collect.communicate(timeout=max(t.deadline - time.monotonic(), 10))
        if collect.returncode:
            raise Failed(f"collectstatic: {errors.decode(errors='replace')}")
    finally:
        if collect.poll() is None:
            collect.kill()
            collect.wait()
    say("migrated, demo catalog loaded, static files collected")
    t.start("sandbox", "sandbox")
    t.start("worker", "worker")
    t.start("beat-1", "beat")
    t.start("beat-2", "beat")  # the doubled beat: a failover left running
    for name, node in (("web-a", "a"), ("web-b", "b")):
        shutil.copytree(t.folder / "build" / "static", t.folder / name / "static")
        t.start(name, "web", PORT=str(t.ports[node]))
    for base in t.nodes:
        t.wait(f"{base}/healthz", lambda base=base: t.health(base))
    t.wait("the sandbox's /healthz", lambda: t.health(t.sandbox))
    t.wait("the worker's heartbeat", lambda: t.health(t.nodes[0])["heartbeats"]["worker"])
    for base in [*t.nodes, t.sandbox]:
        health = t.health(base)
        if health["status"] != "ok" or set(health["checks"].values()) != {"ok"}:
            raise Failed(f"{base}/healthz: {health}")
    say("2 web nodes, worker, 2 beats and the sandbox answer; /healthz ok on each")

    courses = ok(http(f"{t.nodes[0]}/api/courses/?size=50"), "the catalog")
    paid_courses = [c["id"] for c in courses["results"] if c["real_price"] != "0.00"]
    if len(paid_courses) < len(SCENARIOS):
        raise Failed(f"the demo catalog has {len(paid_courses)} paid courses")
    buyers = [t.buyer(number) for number in range(BUYERS)]
    say(f"{BUYERS} buyers registered on one node and logged in on the other")

    orders = []
    index = 0
    for scenario in SCENARIOS:
        for buyer in buyers:
            course = paid_courses[SCENARIOS.index(scenario)]
            order = {**t.checkout(buyer, course, index), "scenario": scenario, "node": index}
            index += 1
            orders.append(order)
            if scenario == "lost":  # one at a time: the next notify attempt is the one dropped
                t.drop_next_notify()
                t.pay_at_cashier(order)
                t.wait(
                    "the dropped notify",
                    lambda order=order: any(
                        a["error"] == "fault: dropped"
                        for n in t.sandbox_trade(order["number"])["notifies"]
                        for a in n["attempts"]
                    ),
                )
            elif scenario == "notify":
                t.pay_at_cashier(order)
            elif scenario == "return":
                location = t.pay_at_cashier(order)
                query = urllib.parse.urlsplit(location).query
                other = t.nodes[(index + 1) % 2]
                ok(
                    http(f"{other}/api/payments/alipay/result/?{query}", token=order["token"]),
                    "return",
                )
            elif scenario == "cancel":
                other = t.nodes[(index + 1) % 2]
                url = f"{other}/api/orders/{order['number']}/cancel/"
                ok(http(url, data={}, token=order["token"], method="POST"), "cancel")
    say(f"{len(orders)} orders placed: " + ", ".join(f"{s} x{BUYERS}" for s in SCENARIOS))

    def settled():
        pending = [
            o for o in orders if t.order_status(o, node=o["node"] + 1) != EXPECTED[o["scenario"]]
        ]
        return not pending

    t.wait("every order in its expected state", settled, every=2)
    say("every order in its expected state (paid, cancelled, timed out)")

    def beats_sent_both():
        sent = [t.logs[b].read_text() for b in ("beat-1", "beat-2")]
        return all("expire-unpaid-orders" in text and "reconcile-payments" in text for text in sent)

    t.wait("both beats sending the sweep and the reconciliation", beats_sent_both)
    for base in t.nodes:
        beats = t.health(base)["heartbeats"]
        stale = [
            k
            for k in ("sweep", "reconcile", "worker")
            if not beats[k] or beats[k]["seconds_ago"] > 60
        ]
        if stale:
            raise Failed(f"{base}/healthz heartbeats not fresh: {stale} in {beats}")
    say("both beats sent the sweep and the reconciliation; heartbeats fresh on both nodes")

    for order in (o for o in orders if EXPECTED[o["scenario"]] == PAID):
        trade = t.sandbox_trade(order["number"])
        if trade["status"] != "TRADE_SUCCESS" or trade["total_amount"] != order["price"]:
            raise Failed(f"{order['scenario']} order {order['number']}: sandbox has {trade}")
    books = t.manage("check_books")
    if books.returncode:
        raise Failed(f"the books do not balance:\n{books.stdout}{books.stderr}")
    say(f"books check: {books.stdout.strip()}")
    t.check_running()
    # grep <order number> over the parts' logs tells each order's story (docs/deployment.md).
    logs = {name: path.read_text(errors="replace") for name, path in t.logs.items()}
    for order in orders:
        found = {name for name, text in logs.items() if order["number"] in text}
        wanted = {"web-a", "web-b"}
        if EXPECTED[order["scenario"]] == PAID:
            wanted.add("sandbox")
        if order["scenario"] == "lost":
            wanted.add("worker")  # settled by the reconciliation
        if not wanted <= found:
            raise Failed(f"{order['scenario']} order {order['number']} only in the logs of {found}")
    say("each order's number is in the logs of both web nodes (and the sandbox, the worker)")
    task = r"Task luffy\.payments\.tasks\.{}\[[^]]+\] succeeded in [0-9.e-]+s: (.*)"
    sweeps = re.findall(task.format("expire_unpaid_orders"), logs["worker"])
    reconciles = re.findall(task.format("reconcile_payments"), logs["worker"])
    say(
        f"the worker ran the sweep {len(sweeps)} times (timing out {sum(map(int, sweeps))} "
        f"orders in all) and the reconciliation {len(reconciles)} times "
        f"({sum('skipped' in r for r in reconciles)} skipped: the other beat's copy, one running)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=240, help="time bound of the whole run")
    parser.add_argument("--keep-logs", action="store_true", help="keep the logs folder")
    args = parser.parse_args(argv)
    run_id = os.environ.get("MULTINODE_RUN_ID") or f"mn_{os.getpid()}_{int(time.time())}"
    folder = Path(tempfile.mkdtemp(prefix=f"luffy-multinode-{run_id}-"))

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)  # `timeout` in .ci/run: still stop everything
    topology = Topology(run_id=run_id, folder=folder, seconds=args.seconds)
    failed = True
    try:
        run(topology)
        failed = False
    except (Exception, KeyboardInterrupt) as exc:  # whatever it was: stop everything, say it
        say(f"FAILED: {exc!r}")
    finally:
        topology.stop()
        say("every process stopped")
        topology.remove_servers()
        say("databases, vhost and Redis keys removed")
        if failed or args.keep_logs:
            for name, log in topology.logs.items():
                lines = log.read_text(errors="replace").splitlines() if log.exists() else []
                print(f"\n--- {name}: last lines of {log}", *lines[-40:], sep="\n")
            say(f"logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    if not failed:
        say(f"passed in {time.monotonic() - started:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
