"""The offline sandbox as a real HTTP server (gunicorn, two workers, so two notify delivery
loops race for every attempt), driven by the store's real client, plus a local notify receiver."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]
TIME_SCALE = 0.0002  # 4m -> 48 ms, 1h -> 0.7 s, 15h -> 11 s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(check, *, timeout: float = 10.0, interval: float = 0.05):
    """Poll `check` until it returns something truthy; bounded."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result or time.monotonic() > deadline:
            return result
        time.sleep(interval)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


no_redirect = urllib.request.build_opener(_NoRedirect)


class Sandbox:
    def __init__(self, url: str, token: str = "") -> None:
        self.url = url
        self.token = token  # the control token (var folder), needed to change faults or reset

    def request(
        self, path: str, *, method: str = "GET", data=None, headers: dict | None = None
    ) -> tuple[int, str]:
        body = json.dumps(data).encode() if data is not None else None
        headers = {"X-Sandbox-Token": self.token} if headers is None else headers
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.read().decode()

    def faults(self, **values) -> dict:
        status, body = self.request("/sandbox/faults/", method="POST", data=values)
        assert status == 200, body
        return json.loads(body)

    def trade(self, out_trade_no: str) -> dict:
        status, body = self.request(f"/sandbox/trades/{out_trade_no}/")
        assert status == 200, body
        return json.loads(body)

    def open_cashier(self, pay_url: str) -> tuple[str, str]:
        """The buyer follows the pay URL: (final URL, page HTML)."""
        with urllib.request.urlopen(pay_url, timeout=10) as r:
            return r.url, r.read().decode()

    def press(self, cashier_url: str, button: str = "pay") -> tuple[int, str, str]:
        """Press Pay or Cancel: (status, Location header, body); redirects not followed."""
        req = urllib.request.Request(cashier_url + f"{button}/", data=b"", method="POST")
        try:
            with no_redirect.open(req, timeout=10) as r:
                return r.status, "", r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Location", ""), exc.read().decode()


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("alipay-sandbox")
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        and not k.startswith("ALIPAY_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="luffy.alipay_sandbox.settings",
        LUFFY_VAR_DIR=str(directory),
        ALIPAY_KEY_DIR=str(settings.ALIPAY_KEY_DIR),  # the same keys as this test process
        ALIPAY_APP_ID=settings.ALIPAY_APP_ID,
        ALIPAY_SELLER_ID=settings.ALIPAY_SELLER_ID,
        ALIPAY_SANDBOX_DATABASE_URL=f"sqlite:///{directory / 'sandbox.sqlite3'}",
        ALIPAY_SANDBOX_NOTIFY_TIME_SCALE=str(TIME_SCALE),
        ALIPAY_SANDBOX_NOTIFY_POLL_SECONDS="0.02",
    )
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    log = (directory / "server.log").open("w")
    server = subprocess.Popen(
        [
            python, "-m", "gunicorn", "luffy.alipay_sandbox.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "8",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    # Written by the sandbox's settings on first start (the migrate step above).
    token = (directory / "alipay_sandbox_control_token").read_text().strip()
    sandbox = Sandbox(f"http://127.0.0.1:{port}", token)

    def answers():
        assert server.poll() is None, (directory / "server.log").read_text()
        try:
            return sandbox.request("/sandbox/faults/")[0] == 200
        except OSError:
            return False

    try:
        assert wait_for(answers, timeout=30), "sandbox did not start"
        yield sandbox
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def sandbox(sandbox_server, settings) -> Sandbox:
    """A clean sandbox (no faults, no pending notify retries) that the store's client uses."""
    status, body = sandbox_server.request("/sandbox/reset/", method="POST", data={})
    assert status == 200, body
    settings.ALIPAY_GATEWAY = f"{sandbox_server.url}/gateway.do"
    return sandbox_server


@pytest.fixture
def out_trade_no() -> str:
    return "T" + uuid.uuid4().hex[:20]


class Receiver:
    """A merchant notify endpoint on 127.0.0.1 that answers from a script, then `success`."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.answers: list[str] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                with receiver.lock:
                    receiver.received.append(dict(urllib.parse.parse_qsl(body)))
                    answer = receiver.answers.pop(0) if receiver.answers else "success"
                data = answer.encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        wait_for(lambda: len(self.received) >= count, timeout=timeout)
        with self.lock:
            return list(self.received)


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.server.shutdown()
    r.server.server_close()
