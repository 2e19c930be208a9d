"""The cashier pages, in Chinese: Native shows the code_url's QR code (SVG, drawn server-side)
and the simulated scan-and-pay button; a scanned code_url opens it."""

import urllib.parse

import segno

from .helpers import code_url, gateway


def test_native_cashier_shows_the_qr_code_and_the_button(wechat_sandbox, wechat_trade_no):
    url = code_url(wechat_trade_no, "12.34", subject="Django 实战")
    scan = f"{wechat_sandbox.url}/sandbox/scan/?code_url={urllib.parse.quote(url)}"
    status, final_url, page = wechat_sandbox.open_page(scan)
    assert status == 200 and final_url.endswith(f"/sandbox/native/{url.rsplit('=', 1)[1]}/")
    assert '<html lang="zh-CN">' in page
    assert "Django 实战" in page and "12.34" in page and "用微信支付（模拟）" in page
    assert "<svg" in page and url in page
    # The SVG draws exactly the code_url (what a phone would read).
    expected = segno.make(url, error="m").svg_inline(scale=6, border=2, title="微信支付二维码")
    assert expected in page


def test_paying_shows_success_and_the_way_back(wechat_sandbox, wechat_receiver, wechat_trade_no):
    url = code_url(wechat_trade_no)
    status, page = wechat_sandbox.scan_and_pay(url)
    assert status == 200 and "支付成功" in page and 'id="back-to-store"' in page
    token = url.rsplit("=", 1)[1]
    status, _, page = wechat_sandbox.open_page(f"{wechat_sandbox.url}/sandbox/native/{token}/")
    assert "用微信支付（模拟）" not in page and "SUCCESS" in page
    status, page = wechat_sandbox.scan_and_pay(url)  # paying twice
    assert status == 400 and "ORDERPAID" in page
    assert gateway.query(wechat_trade_no).trade.paid


def test_not_a_wechat_code(wechat_sandbox):
    status, _, page = wechat_sandbox.open_page(f"{wechat_sandbox.url}/sandbox/scan/?code_url=x")
    assert status == 400 and "不是微信支付的二维码链接" in page


def test_console_is_in_chinese(wechat_sandbox, wechat_trade_no):
    code_url(wechat_trade_no)
    status, _, page = wechat_sandbox.open_page(f"{wechat_sandbox.url}/sandbox/")
    assert status == 200 and "微信支付沙箱控制台" in page and wechat_trade_no in page
