"""The offline WeChat Pay sandbox as a real HTTP server (tests/live_sandbox.py), driven by the
store's real client (luffy.payments.wechatpay), plus a local notify receiver that keeps headers
and raw bodies."""

from __future__ import annotations

import json
import uuid

import pytest

from tests.live_sandbox import NotifyReceiver, Sandbox, serve_sandbox

TIME_SCALE = 0.002  # 15s -> 30 ms, 3m -> 0.36 s, 1h -> 7 s, 6h -> 43 s


class WechatSandbox(Sandbox):
    def scan_and_pay(self, code_url: str) -> tuple[int, str]:
        """What a buyer's phone does with the QR code: open the cashier, press pay."""
        token = code_url.rsplit("pr=", 1)[1]
        status, _, body = self.post_form(f"{self.url}/sandbox/native/{token}/pay/")
        return status, body


@pytest.fixture(scope="session")
def wechat_sandbox_server(tmp_path_factory):
    yield from serve_sandbox(
        tmp_path_factory,
        "wechat",
        time_scale=TIME_SCALE,
        shared=(
            "WECHAT_KEY_DIR", "WECHAT_MCHID", "WECHAT_APPID", "WECHAT_MCH_SERIAL_NO",
            "WECHAT_PLATFORM_SERIAL",
        ),
        client=WechatSandbox,
    )  # fmt: skip


@pytest.fixture
def wechat_sandbox(wechat_sandbox_server, settings) -> WechatSandbox:
    """A clean sandbox (no faults, no pending notify retries) that the store's client uses."""
    wechat_sandbox_server.reset()
    settings.WECHAT_API_BASE = wechat_sandbox_server.url
    return wechat_sandbox_server


@pytest.fixture
def wechat_trade_no() -> str:
    return "W" + uuid.uuid4().hex[:20]


class WechatReceiver(NotifyReceiver):
    """Keeps each POST's Wechatpay-* headers and raw body; answers from a script of HTTP
    statuses, then 204."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        super().__init__()

    def keep(self, headers, body: str) -> dict:
        wechatpay = {k: v for k, v in headers.items() if k.startswith("Wechatpay-")}
        return {"headers": wechatpay, "body": body}

    def answer(self) -> tuple[int, dict[str, str], bytes]:
        status = self.statuses.pop(0) if self.statuses else 204
        return (
            status,
            {},
            b"" if status == 204 else json.dumps({"code": "FAIL", "message": "x"}).encode(),
        )


@pytest.fixture
def wechat_receiver(settings):
    """Receives the notifies of trades ordered by the store's client in this test."""
    r = WechatReceiver()
    settings.WECHAT_NOTIFY_URL = r.url
    settings.WECHAT_REFUND_NOTIFY_URL = r.url
    yield r
    r.close()
