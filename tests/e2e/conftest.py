"""Browser tests: the store started as the README starts it (`python -m luffy.serve`), driven by
Debian's headless chromium through Playwright for Python. Screenshots: var/e2e-artifacts/."""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from luffy import webbuild

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = ROOT / "var" / "e2e-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "Sturdy-pass-2026"


def pytest_collection_modifyitems(items):
    reason = None
    if not Path(CHROMIUM).exists():
        reason = "chromium not installed: apt-get install chromium"
    else:
        try:
            import playwright.sync_api  # noqa: F401
        except ImportError:
            reason = "playwright not installed: make install (it is in the dev extras)"
    for item in items:
        if reason and item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.skip(reason=reason))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Store:
    def __init__(self, port: int, var_dir: Path, env: dict):
        self.port = port
        self.env = env
        self.url = f"http://127.0.0.1:{port}"
        self.var_dir = var_dir

    def api(self, method: str, path: str, body: dict | None = None) -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}",
            method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.load(response)

    def sms_code(self, mobile: str, seconds: float = 30) -> str:
        """The code the worker sent (FileBackend), waiting for the worker to send it."""
        target = self.var_dir / "sms" / f"{mobile}.txt"
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if target.exists():
                return re.search(r"(?<!\d)(\d{6})(?!\d)", target.read_text()).group(1)
            time.sleep(0.2)
        raise AssertionError(f"no SMS to {mobile} within {seconds} s")

    def new_mobile(self) -> str:
        return f"139{random.randrange(10**8):08d}"

    def grant(self, mobile: str, course_id: int, days: int | None) -> None:
        """Give an account access to a course (checkout is not built yet): `days` from now,
        negative for an access that has run out, None for permanent."""
        code = (
            "from datetime import timedelta; from django.utils import timezone; "
            "from luffy.access.models import CoursePurchase; from luffy.users.models import User; "
            f"days = {days!r}; "
            "CoursePurchase.objects.update_or_create("
            f"user=User.objects.get(mobile={mobile!r}), course_id={course_id}, "
            "defaults={'expires_at': None if days is None else timezone.now() + timedelta(days)})"
        )
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", code], cwd=ROOT, env=self.env, check=True
        )

    def register(self) -> str:
        """An account made through the API; returns its mobile."""
        mobile = self.new_mobile()
        self.api("GET", f"/api/users/sms/{mobile}/")
        code = self.sms_code(mobile)
        self.api(
            "POST",
            "/api/users/register/",
            {"mobile": mobile, "password": PASSWORD, "sms_code": code},
        )
        return mobile


@contextlib.contextmanager
def running_store(var_dir: Path, **extra_env: str):
    """The store started as the README starts it (`python -m luffy.serve`) on a free port with
    its own LUFFY_VAR_DIR, stopped with SIGINT on exit. Also used by bench/web.py."""
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CACHE_KEY_PREFIX"}
        and not key.startswith(("ALIPAY_", "WECHAT_"))
    }
    env.update(
        LUFFY_VAR_DIR=str(var_dir),
        PORT=str(port),
        ALIPAY_SANDBOX_PORT=str(free_port()),  # never the default 8001 a `make run` may hold
        WECHAT_SANDBOX_PORT=str(free_port()),  # nor the WeChat Pay sandbox's 8002
        SMS_BACKEND="luffy.users.sms.FileBackend",
        # Every test's browser and API calls come from 127.0.0.1 to one store: per-IP limits
        # sized for a real client would refuse the suite (the limits have their own tests).
        THROTTLE_SMS_IP="1000/hour",
        THROTTLE_LOGIN_IP="1000/min",
        THROTTLE_MOBILE_IP="1000/min",
        WEB_CONCURRENCY="2",
        CELERY_CONCURRENCY="1",
        LOG_LEVEL="WARNING",
    )
    env.update(extra_env)
    log = (var_dir / "serve.log").open("w")
    server = subprocess.Popen(
        [sys.executable, "-m", "luffy.serve"], cwd=ROOT, env=env, stdout=log, stderr=log
    )
    try:
        # A first start migrates three databases: over 120 s at load average 20.
        deadline = time.monotonic() + 240
        while True:
            try:
                with urllib.request.urlopen(
                    f"http://127.0.0.1:{port}/healthz", timeout=2
                ) as response:
                    if response.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("store did not start:\n" + (var_dir / "serve.log").read_text())
            time.sleep(0.5)
        yield Store(port, var_dir, env)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    if not webbuild.build():
        if shutil.which("npm") is None:
            pytest.skip("npm not found: the front end cannot be built (install Node.js 20.19+)")
        pytest.fail("the front end did not build (see the output above)")
    try:
        with running_store(tmp_path_factory.mktemp("e2e-var")) as live:
            yield live
    except RuntimeError as exc:
        if "store did not start" not in str(exc):
            raise
        pytest.fail(str(exc))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser, store, request):
    """A fresh browser profile at 1280 px that fails the test on any JavaScript error."""
    viewport = getattr(request, "param", None) or {"width": 1280, "height": 860}
    # Tests that inject a script of their own (axe-core) need the store's CSP relaxed for it;
    # every other test runs the pages under the real policy.
    bypass_csp = request.node.get_closest_marker("injects_scripts") is not None
    context = browser.new_context(
        viewport=viewport, base_url=store.url, locale="zh-CN", bypass_csp=bypass_csp
    )
    # Only the store itself: nothing may leave 127.0.0.1.
    context.route(
        re.compile(r"^(?!http://127\.0\.0\.1[:/]).*"), lambda route: route.abort("blockedbyclient")
    )
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(f"page error: {exc}"))

    def on_console(message):
        # A refused request (401/403/404) is logged by Chromium as a console error; those are
        # expected answers the page handles. Anything else is a bug.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            errors.append(f"console: {message.text}")

    page.on("console", on_console)
    yield page
    context.close()
    assert errors == [], errors


@pytest.fixture
def shot(page):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def save(name: str, full_page: bool = True):
        page.wait_for_load_state("networkidle")
        page.wait_for_timeout(300)  # let transitions settle
        page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page)

    return save


def login(page, mobile: str, password: str = PASSWORD, redirect: str | None = None):
    page.goto("/login" + (f"?redirect={redirect}" if redirect else ""))
    page.get_by_placeholder("用户名 / 手机号").fill(mobile)
    page.get_by_placeholder("密码").fill(password)
    page.locator("[data-test=submit]").click()
    page.locator("[data-test=user-menu]").wait_for()
