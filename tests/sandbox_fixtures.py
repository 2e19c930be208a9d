"""The offline Alipay sandbox as a real HTTP server (tests/live_sandbox.py), driven by the
store's real client, plus a local notify receiver that answers as a merchant does."""

from __future__ import annotations

import urllib.parse
import urllib.request
import uuid

import pytest

from tests.live_sandbox import NotifyReceiver, Sandbox, serve_sandbox

TIME_SCALE = 0.0002  # 4m -> 48 ms, 1h -> 0.7 s, 15h -> 11 s


class AlipaySandbox(Sandbox):
    def open_cashier(self, pay_url: str) -> tuple[str, str]:
        """The buyer follows the pay URL: (final URL, page HTML)."""
        with urllib.request.urlopen(pay_url, timeout=10) as r:
            return r.url, r.read().decode()

    def press(self, cashier_url: str, button: str = "pay") -> tuple[int, str, str]:
        """Press Pay or Cancel: (status, Location header, body); redirects not followed."""
        return self.post_form(cashier_url + f"{button}/")


@pytest.fixture(scope="session")
def sandbox_server(tmp_path_factory):
    yield from serve_sandbox(
        tmp_path_factory,
        "alipay",
        time_scale=TIME_SCALE,
        shared=("ALIPAY_KEY_DIR", "ALIPAY_APP_ID", "ALIPAY_SELLER_ID"),
        client=AlipaySandbox,
    )


@pytest.fixture
def sandbox(sandbox_server, settings) -> AlipaySandbox:
    """A clean sandbox (no faults, no pending notify retries) that the store's client uses."""
    sandbox_server.reset()
    settings.ALIPAY_GATEWAY = f"{sandbox_server.url}/gateway.do"
    return sandbox_server


@pytest.fixture
def out_trade_no() -> str:
    return "T" + uuid.uuid4().hex[:20]


class Receiver(NotifyReceiver):
    """Keeps each notify's form fields; answers from a script of bodies, then `success`."""

    def __init__(self) -> None:
        self.answers: list[str] = []
        super().__init__()

    def keep(self, headers, body: str) -> dict:
        return dict(urllib.parse.parse_qsl(body))

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        text = self.answers.pop(0) if self.answers else "success"
        return 200, {"Content-Type": "text/plain"}, text.encode()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()
