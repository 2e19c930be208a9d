"""`make run` (python -m luffy.serve) with zero configuration: starts, answers, stops clean."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
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
    port, sandbox_port = free_port(), free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CACHE_KEY_PREFIX"}
        and not key.startswith("ALIPAY_")
    }
    env.update(
        LUFFY_VAR_DIR=str(tmp_path),
        PORT=str(port),
        WEB_CONCURRENCY="1",
        ALIPAY_SANDBOX_PORT=str(sandbox_port),
    )
    server = subprocess.Popen(
        [sys.executable, "-m", "luffy.serve"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        health = None
        for _ in range(120):  # up to 60 s
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2) as r:
                    health = json.load(r)
                break
            except OSError:
                assert server.poll() is None, server.stdout.read()
                time.sleep(0.5)
        assert health == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/courses/", timeout=5) as r:
            assert json.load(r)["count"] >= 12  # the demo catalog, loaded on first start
        assert (tmp_path / "db.sqlite3").exists()
        assert (tmp_path / "redis.sock").exists()
        assert processes_mentioning(str(tmp_path / "redis.sock"))
        beat_schedule = str(tmp_path / "celerybeat-schedule")
        assert wait_for(lambda: processes_mentioning(beat_schedule)), "no Celery worker"
        # The offline Alipay sandbox answers on its own port, with its own database.
        console, console_url = "", f"http://127.0.0.1:{sandbox_port}/sandbox/"
        for _ in range(40):  # up to 10 s
            try:
                with urllib.request.urlopen(console_url, timeout=5) as r:
                    console = r.read().decode()
                break
            except OSError:
                time.sleep(0.25)
        assert "Alipay sandbox console" in console
        gateway = f"http://127.0.0.1:{sandbox_port}/gateway.do?method=x"
        with urllib.request.urlopen(gateway, timeout=5) as r:
            assert json.load(r)["error_response"]["code"] == "40002"
        assert (tmp_path / "alipay_sandbox.sqlite3").exists()

        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)  # read() could wait on a leaked child
        assert server.returncode == 0
        assert f"store running at http://127.0.0.1:{port}/" in output
        assert "/admin/" in output
        time.sleep(0.5)
        assert processes_mentioning(str(tmp_path / "redis.sock")) == []
        assert processes_mentioning(f"127.0.0.1:{port}") == []
        assert processes_mentioning(beat_schedule) == []
        assert processes_mentioning(f"127.0.0.1:{sandbox_port}") == []
    finally:
        if server.poll() is None:
            server.kill()
