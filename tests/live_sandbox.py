"""What the live-sandbox fixtures of both gateways share (tests/sandbox_fixtures.py for Alipay,
tests/wechat_sandbox_fixtures.py for WeChat Pay): a sandbox served as a real HTTP server
(gunicorn, two workers, so two notify delivery loops race for every attempt) with its own
database and var folder, a client for its control endpoints and pages, and a local notify
receiver. Each fixture module adds its protocol's part."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from django.conf import settings

ROOT = Path(__file__).resolve().parents[1]


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
    """A running sandbox: its control endpoints (with the control token) and its pages."""

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

    def open_page(self, url: str) -> tuple[int, str, str]:
        """GET a page, following redirects: (status, final URL, HTML)."""
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

    def reset(self) -> None:
        """No faults, no pending notify retries (the trades stay)."""
        status, body = self.request("/sandbox/reset/", method="POST", data={})
        assert status == 200, body


def serve_sandbox(
    tmp_path_factory,
    gateway: str,
    *,
    time_scale: float,
    shared: tuple[str, ...],
    client: type[Sandbox] = Sandbox,
) -> Iterator[Sandbox]:
    """Serve luffy.<gateway>_sandbox from a fresh folder (its var folder and database) until
    the generator is closed: the body of a session fixture. `shared` names the settings it must
    have as this test process has them (the same keys folder, ids); every other <GATEWAY>_
    variable of this process's environment is left out."""
    directory = tmp_path_factory.mktemp(f"{gateway}-sandbox")
    prefix = gateway.upper()
    port = free_port()
    server_env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
        and not k.startswith(f"{prefix}_")
    }
    server_env.update(
        DJANGO_SETTINGS_MODULE=f"luffy.{gateway}_sandbox.settings",
        LUFFY_VAR_DIR=str(directory),
        **{
            f"{prefix}_SANDBOX_DATABASE_URL": f"sqlite:///{directory / 'sandbox.sqlite3'}",
            f"{prefix}_SANDBOX_NOTIFY_TIME_SCALE": str(time_scale),
            f"{prefix}_SANDBOX_NOTIFY_POLL_SECONDS": "0.02",
        },
        **{name: str(getattr(settings, name)) for name in shared},
    )
    python = sys.executable
    subprocess.run(
        [python, "manage.py", "migrate", "--noinput", "-v", "0"],
        cwd=ROOT, env=server_env, check=True,
    )  # fmt: skip
    log_path = directory / "server.log"
    log = log_path.open("w")
    server = subprocess.Popen(
        [
            python, "-m", "gunicorn", f"luffy.{gateway}_sandbox.wsgi:application",
            "--bind", f"127.0.0.1:{port}", "--workers", "2", "--threads", "8",
        ],
        cwd=ROOT, env=server_env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    # Written by the sandbox's settings on first start (the migrate step above).
    token = (directory / f"{gateway}_sandbox_control_token").read_text().strip()
    sandbox = client(f"http://127.0.0.1:{port}", token)

    def answers():
        assert server.poll() is None, log_path.read_text()
        try:
            return sandbox.request("/sandbox/faults/")[0] == 200
        except OSError:
            return False

    try:
        assert wait_for(answers, timeout=30), f"the {gateway} sandbox did not start"
        yield sandbox
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


class NotifyReceiver:
    """A merchant notify endpoint on 127.0.0.1 (its own thread) that keeps what each POST
    carried and answers from a script. Subclasses say what is kept and how it answers."""

    def __init__(self) -> None:
        self.received: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                with receiver.lock:
                    receiver.received.append(receiver.keep(self.headers, body))
                    status, headers, data = receiver.answer()
                self.send_response(status)
                for name, value in {**headers, "Content-Length": str(len(data))}.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/notify/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def keep(self, headers, body: str) -> dict:
        """What `received` keeps of one POST."""
        raise NotImplementedError

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        """The next scripted answer: (status, headers, body). Called under the lock."""
        raise NotImplementedError

    def wait_for(self, count: int, timeout: float = 10.0) -> list[dict]:
        wait_for(lambda: len(self.received) >= count, timeout=timeout)
        with self.lock:
            return list(self.received)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
