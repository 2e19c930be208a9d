"""The offline WeChat Pay sandbox as a real HTTP server (gunicorn, two workers, so two notify
delivery loops race for every attempt), driven by the store's real client
(luffy.payments.wechatpay), plus a local notify receiver that keeps headers and raw bodies."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings

from tests.sandbox_fixtures import ROOT, Sandbox, free_port, no_redirect, wait_for

TIME_SCALE = 0.002  # 15s -> 30 ms, 3m -> 0.36 s, 1h -> 7 s, 6h -> 43 s


class WechatSandbox(Sandbox):
    def open_page(self, url: str) -> tuple[int, str, str]:
        """GET a page: (status, final URL, HTML)."""
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                return r.status, r.url, r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, url, exc.read().decode()

    def post_form(self, url: str, data: bytes = b"") -> tuple[int, str, str]:
        """POST a cashier form: (status, Location header, body); redirects not followed."""
        req = urllib.request.Request(url, data=data, method="POST")
        try:
            with no_redirect.open(req, timeout=10) as r:
                return r.status, "", r.read().decode()
        except urllib.error.HTTPError as exc:
            return exc.code, exc.headers.get("Location", ""), exc.read().decode()

    def scan_and_pay(self, code_url: str) -> tuple[int, str]:
        """What a buyer's phone does with the QR code: open the cashier, press pay."""
        token = code_url.rsplit("pr=", 1)[1]
        status, _, body = self.post_form(f"{self.url}/sandbox/native/{token}/pay/")
        return status, body


@pytest.fixture(scope="session")
def wechat_sandbox_server(tmp_path_factory):
    directory = tmp_path_factory.mktemp("wechat-sandbox")
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        and not k.startswith("WECHAT_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="luffy.wechat_sandbox.settings",
        LUFFY_VAR_DIR=str(directory),
        WECHAT_KEY_DIR=str(settings.WECHAT_KEY_DIR),  # the same keys as this test process
        WECHAT_MCHID=settings.WECHAT_MCHID,
        WECHAT_APPID=settings.WECHAT_APPID,
        WECHAT_MCH_SERIAL_NO=settings.WECHAT_MCH_SERIAL_NO,
        WECHAT_PLATFORM_SERIAL=settings.WECHAT_PLATFORM_SERIAL,
        WECHAT_SANDBOX_DATABASE_URL=f"sqlite:///{directory / 'sandbox.sqlite3'}",
        WECHAT_SANDBOX_NOTIFY_TIME_SCALE=str(TIME_SCALE),
        WECHAT_SANDBOX_NOTIFY_POLL_SECONDS="0.02",
    )
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env, check=True
    )
    log = (directory / "server.log").open("w")
    server = subprocess.Popen(
        [
            python, "-m", "gunicorn", "luffy.wechat_sandbox.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "8",
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    token = (directory / "wechat_sandbox_control_token").read_text().strip()
    sandbox = WechatSandbox(f"http://127.0.0.1:{port}", token)

    def answers():
        assert server.poll() is None, (directory / "server.log").read_text()
        try:
            return sandbox.request("/sandbox/faults/")[0] == 200
        except OSError:
            return False

    try:
        assert wait_for(answers, timeout=30), "WeChat Pay sandbox did not start"
        yield sandbox
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture
def wechat_sandbox(wechat_sandbox_server, settings) -> WechatSandbox:
    """A clean sandbox (no faults, no pending notify retries) that the store's client uses."""
    status, body = wechat_sandbox_server.request("/sandbox/reset/", method="POST", data={})
    assert status == 200, body
    settings.WECHAT_API_BASE = wechat_sandbox_server.url
    return wechat_sandbox_server


@pytest.fixture
def wechat_trade_no() -> str:
    return "W" + uuid.uuid4().hex[:20]


class WechatReceiver:
    """A merchant notify endpoint on 127.0.0.1: keeps each POST's headers and raw body, and
    answers from a script of HTTP statuses, then 204."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.statuses: list[int] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                headers = {k: v for k, v in self.headers.items() if k.startswith("Wechatpay-")}
                with receiver.lock:
                    receiver.received.append({"headers": headers, "body": body})
                    status = receiver.statuses.pop(0) if receiver.statuses else 204
                data = (
                    b"" if status == 204 else json.dumps({"code": "FAIL", "message": "x"}).encode()
                )
                self.send_response(status)
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
def wechat_receiver(settings):
    """Receives the notifies of trades ordered by the store's client in this test."""
    r = WechatReceiver()
    settings.WECHAT_NOTIFY_URL = r.url
    settings.WECHAT_REFUND_NOTIFY_URL = r.url
    yield r
    r.server.shutdown()
    r.server.server_close()
