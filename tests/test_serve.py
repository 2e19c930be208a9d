"""`make run` (python -m luffy.serve) with zero configuration: starts, answers, stops clean."""

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def processes_mentioning(text: str) -> list[int]:
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if text in (proc / "cmdline").read_bytes().decode(errors="replace"):
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def wait_for(condition, seconds=10.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return False


def test_serve_starts_everything_and_ctrl_c_stops_everything(tmp_path):
    port, sandbox_port, wechat_port = free_port(), free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CACHE_KEY_PREFIX"}
        and not key.startswith(("ALIPAY_", "WECHAT_"))
    }
    env.update(
        LUFFY_VAR_DIR=str(tmp_path),
        PORT=str(port),
        WEB_CONCURRENCY="1",
        ALIPAY_SANDBOX_PORT=str(sandbox_port),
        WECHAT_SANDBOX_PORT=str(wechat_port),
        SMS_BACKEND="luffy.users.sms.FileBackend",
    )
    log_path = tmp_path / "serve.log"
    log = log_path.open("w")  # a file, not a pipe: a full pipe would block the server
    server = subprocess.Popen(
        [sys.executable, "-m", "luffy.serve"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = None
        # Up to 180 s: a first start migrates three databases (store and both sandboxes) and
        # took over 60 s on a loaded 2-core machine (load average 8 and more).
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    health = json.load(r)
                break
            except OSError:
                assert server.poll() is None, log_path.read_text()
                time.sleep(0.5)
        assert health is not None, "no /healthz within 180 s:\n" + log_path.read_text()
        assert health["status"] == "ok"
        assert health["checks"] == {"database": "ok", "redis": "ok", "broker": "ok"}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/courses/", timeout=5) as r:
            assert json.load(r)["count"] >= 12  # the demo catalog, loaded on first start
        assert (tmp_path / "db.sqlite3").exists()
        assert (tmp_path / "redis.sock").exists()
        assert processes_mentioning(str(tmp_path / "redis.sock"))
        beat_schedule = str(tmp_path / "celerybeat-schedule")
        assert wait_for(lambda: processes_mentioning(beat_schedule)), "no Celery worker"
        sandbox_beat = str(tmp_path / "alipay-sandbox-beat")
        assert wait_for(lambda: processes_mentioning(sandbox_beat)), "no sandbox notify worker"
        # The offline Alipay sandbox answers on its own port, with its own database.
        console, console_url = "", f"http://127.0.0.1:{sandbox_port}/sandbox/"
        for _ in range(40):  # up to 10 s
            try:
                with urllib.request.urlopen(console_url, timeout=5) as r:
                    console = r.read().decode()
                break
            except OSError:
                time.sleep(0.25)
        assert "支付宝沙箱控制台" in console
        gateway = f"http://127.0.0.1:{sandbox_port}/gateway.do?method=x"
        with urllib.request.urlopen(gateway, timeout=5) as r:
            assert json.load(r)["error_response"]["code"] == "40002"
        assert (tmp_path / "alipay_sandbox.sqlite3").exists()
        # So does the offline WeChat Pay sandbox (issue 18), with its notify worker.
        wechat_beat = str(tmp_path / "wechat-sandbox-beat")
        assert wait_for(lambda: processes_mentioning(wechat_beat)), "no WeChat notify worker"
        wechat_health = f"http://127.0.0.1:{wechat_port}/healthz"
        for _ in range(40):  # up to 10 s
            try:
                with urllib.request.urlopen(wechat_health, timeout=5) as r:
                    assert json.load(r)["checks"] == {"database": "ok", "broker": "ok"}
                break
            except OSError:
                time.sleep(0.25)
        assert (tmp_path / "wechat_sandbox.sqlite3").exists()

        buy_a_course_and_let_the_gateway_notify(f"http://127.0.0.1:{port}", tmp_path)

        server.send_signal(signal.SIGINT)
        assert server.wait(timeout=30) == 0
        output = log_path.read_text()
        assert f"store running at http://127.0.0.1:{port}/" in output
        assert "/admin/" in output
        time.sleep(0.5)
        assert processes_mentioning(str(tmp_path / "redis.sock")) == []
        assert processes_mentioning(f"127.0.0.1:{port}") == []
        assert processes_mentioning(beat_schedule) == []
        assert processes_mentioning(sandbox_beat) == []
        assert processes_mentioning(f"127.0.0.1:{sandbox_port}") == []
        assert processes_mentioning(wechat_beat) == []
        assert processes_mentioning(f"127.0.0.1:{wechat_port}") == []
    finally:
        if server.poll() is None:
            server.kill()
        log.close()


def call(base: str, path: str, data: dict | None = None, token: str = "", method: str = ""):
    body = json.dumps(data).encode() if data is not None else None
    request = urllib.request.Request(base + path, data=body, method=method or None)
    request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=15) as r:
        return json.load(r)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def buy_a_course_and_let_the_gateway_notify(base: str, var_dir) -> None:
    """Register, buy a demo course, pay at the sandbox cashier, and never open the return URL:
    the order must become paid through the notify the sandbox's Celery worker delivers."""
    mobile = "13912345670"
    call(base, f"/api/users/sms/{mobile}/")
    code_file = var_dir / "sms" / f"{mobile}.txt"
    assert wait_for(code_file.exists, seconds=20), "the worker did not send the SMS"
    code = re.search(r"(?<!\d)(\d{6})(?!\d)", code_file.read_text()).group(1)
    token = call(
        base,
        "/api/users/register/",
        {"mobile": mobile, "password": "Sturdy-pass-2026", "sms_code": code},
    )["access"]
    courses = call(base, "/api/courses/?size=50")["results"]
    course = next(c for c in courses if c["real_price"] != "0.00")  # not one on a free offer
    call(base, "/api/cart/", {"course_id": course["id"]}, token)
    order = call(base, "/api/orders/", {"pay_type": "alipay"}, token)
    url = call(base, f"/api/payments/alipay/?order_number={order['order_number']}", token=token)[
        "url"
    ]
    with urllib.request.urlopen(url, timeout=15) as r:  # the cashier page
        cashier = r.url
    pay = urllib.request.Request(cashier + "pay/", data=b"", method="POST")
    try:
        urllib.request.build_opener(_NoRedirect).open(pay, timeout=15)
    except urllib.error.HTTPError as redirect:
        assert redirect.code == 302

    def paid():
        detail = call(base, f"/api/orders/{order['order_number']}/", token=token)
        return detail["status"] == 1  # paid

    assert wait_for(paid, seconds=30), "the notify did not settle the order"


class TestGunicornCommand:
    """One slow request must not take the whole site: threaded workers (issue 11, section 4)."""

    def command(self, **environ) -> list[str]:
        from luffy.serve import gunicorn_command

        return gunicorn_command(host="127.0.0.1", port="8123", environ=environ)

    @staticmethod
    def option(command: list[str], name: str) -> str:
        return command[command.index(name) + 1]

    def test_defaults_are_threaded_workers(self):
        command = self.command()
        assert command[1:4] == ["-m", "gunicorn", "luffy.config.wsgi:application"]
        assert self.option(command, "--bind") == "127.0.0.1:8123"
        assert self.option(command, "--worker-class") == "gthread"
        assert int(self.option(command, "--workers")) >= 2
        assert int(self.option(command, "--threads")) >= 4
        # Above the database statement timeout: a slow statement gives up before the worker
        # is killed (which would answer a bare HTML 500).
        from django.conf import settings

        assert int(self.option(command, "--timeout")) > settings.DB_STATEMENT_TIMEOUT

    def test_environment_overrides(self):
        command = self.command(WEB_CONCURRENCY="3", GUNICORN_THREADS="16", GUNICORN_TIMEOUT="90")
        assert self.option(command, "--workers") == "3"
        assert self.option(command, "--threads") == "16"
        assert self.option(command, "--timeout") == "90"

    def test_gunicorn_accepts_the_command_line(self):
        command = self.command(WEB_CONCURRENCY="1", GUNICORN_THREADS="4")
        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "luffy.config.settings.test"}
        result = subprocess.run(
            [*command, "--check-config", "--print-config"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0, result.stderr[-2000:]
        printed = dict(
            line.split("=", 1)
            for line in (raw.replace(" ", "") for raw in result.stdout.splitlines())
            if "=" in line
        )
        assert printed["worker_class"] == "gthread"
        assert printed["threads"] == "4"


class TestParts:
    """`python -m luffy.serve web|worker|beat|sandbox|all`: each part startable alone (issue 14)."""

    def test_worker_runs_no_beat_and_beat_runs_alone(self, tmp_path):
        from luffy.serve import beat_command, worker_command

        worker = worker_command(environ={"CELERY_CONCURRENCY": "3"})
        assert worker[1:6] == ["-m", "celery", "-A", "luffy", "worker"]
        assert "--beat" not in worker
        assert TestGunicornCommand.option(worker, "--concurrency") == "3"
        with_beat = worker_command(environ={}, beat_schedule=tmp_path / "s")
        assert TestGunicornCommand.option(with_beat, "--schedule") == str(tmp_path / "s")
        beat = beat_command(var_dir=tmp_path)
        assert beat[1:6] == ["-m", "celery", "-A", "luffy", "beat"]

    def test_every_worker_has_its_own_node_name(self, tmp_path):
        # RabbitMQ gives a node's remote-control queue to one connection: the store's worker and
        # the sandbox's on one host and vhost, both celery@<host>, left one dead (issue 14).
        from luffy.serve import sandbox_commands, worker_command

        store = TestGunicornCommand.option(worker_command(environ={}), "--hostname")
        sandbox_worker = sandbox_commands(port="8124", var_dir=tmp_path, environ={})[0]
        sandbox = TestGunicornCommand.option(sandbox_worker, "--hostname")
        assert store != sandbox
        assert store.endswith("@%h") and sandbox.endswith("@%h")
        assert store != "celery@%h" != sandbox

    def test_every_gunicorn_has_its_own_control_socket_or_none(self, tmp_path):
        from luffy.serve import gunicorn_command, sandbox_commands

        web = gunicorn_command(host="127.0.0.1", port="8123", environ={})
        sandbox_web = sandbox_commands(port="8124", var_dir=tmp_path, environ={})[1]
        assert "--no-control-socket" in web and "--no-control-socket" in sandbox_web
        environ = {"GUNICORN_CONTROL_SOCKET": str(tmp_path)}
        sockets = {
            TestGunicornCommand.option(command, "--control-socket")
            for command in (
                gunicorn_command(host="127.0.0.1", port="8123", environ=environ),
                gunicorn_command(host="127.0.0.1", port="8125", environ=environ),
                sandbox_commands(port="8124", var_dir=tmp_path, environ=environ)[1],
            )
        }
        assert len(sockets) == 3
        assert all(socket.startswith(str(tmp_path)) for socket in sockets)

    def test_gunicorn_takes_the_control_socket_options(self, tmp_path):
        from luffy.serve import gunicorn_command

        env = {**os.environ, "DJANGO_SETTINGS_MODULE": "luffy.config.settings.test"}
        for environ, key, expected in (
            ({}, "control_socket_disable", "True"),
            ({"GUNICORN_CONTROL_SOCKET": str(tmp_path)}, "control_socket", "gunicorn-8123.ctl"),
        ):
            command = gunicorn_command(host="127.0.0.1", port="8123", environ=environ)
            result = subprocess.run(
                [*command, "--check-config", "--print-config"],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-2000:]
            printed = dict(
                (part.strip() for part in line.split("=", 1))
                for line in result.stdout.splitlines()
                if "=" in line
            )
            assert printed[key].endswith(expected)

    def test_unknown_part_is_refused(self):
        result = subprocess.run(
            [sys.executable, "-m", "luffy.serve", "everything"],
            cwd=ROOT, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert result.returncode == 2
        assert "invalid choice" in result.stderr

    def test_each_part_starts_alone_and_stops_alone(self, tmp_path):
        port, sandbox_port = free_port(), free_port()
        env = {
            key: value
            for key, value in os.environ.items()
            if key
            not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CACHE_KEY_PREFIX"}
            and not key.startswith(("ALIPAY_", "WECHAT_", "CELERY_"))
        }
        env.update(
            LUFFY_VAR_DIR=str(tmp_path),
            PORT=str(port),
            WEB_CONCURRENCY="1",
            CELERY_CONCURRENCY="1",
            ALIPAY_SANDBOX_PORT=str(sandbox_port),
            WEB_BUILD="false",
        )
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"],
            cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "luffy.config.settings.local"},
            check=True, timeout=120,
        )  # fmt: skip
        parts, logs = {}, {}

        def start(part):
            logs[part] = (tmp_path / f"{part}.log").open("w")
            parts[part] = subprocess.Popen(
                [sys.executable, "-m", "luffy.serve", part],
                cwd=ROOT, env=env, stdout=logs[part], stderr=subprocess.STDOUT,
            )  # fmt: skip

        def health(url):
            try:
                with urllib.request.urlopen(url, timeout=5) as r:
                    return json.load(r)
            except OSError:
                return None

        store, sandbox = f"http://127.0.0.1:{port}/healthz", f"http://127.0.0.1:{sandbox_port}"
        try:
            start("web")  # starts the embedded Redis the other parts then use
            assert wait_for(lambda: health(store), seconds=60), (tmp_path / "web.log").read_text()
            assert health(store)["status"] == "ok"
            assert health(store)["heartbeats"]["worker"] is None
            for part in ("worker", "beat", "sandbox"):
                start(part)
            assert wait_for(lambda: health(store)["heartbeats"]["worker"], seconds=60), (
                tmp_path / "worker.log"
            ).read_text()
            assert wait_for(lambda: health(f"{sandbox}/healthz"), seconds=60)
            assert health(f"{sandbox}/healthz") == {
                "status": "ok",
                "checks": {"database": "ok", "broker": "ok"},
            }
            beat_schedule = str(tmp_path / "celerybeat-schedule")
            assert wait_for(lambda: processes_mentioning(beat_schedule))
            # Only one Redis, started by the first part; the beat runs alone (no worker --beat).
            assert len(processes_mentioning(str(tmp_path / "redis.sock"))) == 1
            assert not [
                pid
                for pid in processes_mentioning("worker")
                if "--beat" in Path(f"/proc/{pid}/cmdline").read_text()
                and beat_schedule in Path(f"/proc/{pid}/cmdline").read_text()
            ]
            for part in ("sandbox", "beat", "worker", "web"):
                parts[part].send_signal(signal.SIGINT)
                assert parts[part].wait(timeout=30) == 0, (tmp_path / f"{part}.log").read_text()
            time.sleep(0.5)
            # Access log on; every line in the store's time zone with its offset (issue 14).
            stamp = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\+0800 INFO"
            web_log = (tmp_path / "web.log").read_text()
            assert re.search(stamp + r' gunicorn.access \[-\] 127.0.0.1 "GET /healthz', web_log)
            assert re.search(r"request_id=[0-9a-f]{32}", web_log)
            assert re.search(stamp + r" celery.apps.worker ", (tmp_path / "worker.log").read_text())
            assert processes_mentioning(beat_schedule) == []
            assert processes_mentioning(f"127.0.0.1:{port}") == []
            assert processes_mentioning(f"127.0.0.1:{sandbox_port}") == []
            assert processes_mentioning(str(tmp_path / "redis.sock")) == []
        finally:
            for process in parts.values():
                if process.poll() is None:
                    process.kill()
            for log in logs.values():
                log.close()
