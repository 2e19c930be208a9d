"""WeChat Pay's code_url as a QR code image for the store's own page (desktop Native pay): an
SVG data: URI (CSP img-src allows data:), drawn by segno on the server; and the pay link as the
API shows it."""

from urllib.parse import quote

import segno
from django.conf import settings

CODE_URL_PREFIX = "weixin://"


def qr_data_uri(text: str) -> str:
    return segno.make(text, error="m").svg_data_uri(scale=8, border=2)


def pay_link_view(url: str, pay_type: str) -> dict:
    """{url, pay_type, qr_code, sandbox_scan_url} of a pay URL (payment_url_create)."""
    native = url.startswith(CODE_URL_PREFIX)
    scan = settings.WECHAT_SANDBOX_SCAN_URL
    return {
        "url": url,
        "pay_type": pay_type,
        "qr_code": qr_data_uri(url) if native else "",
        "sandbox_scan_url": f"{scan}?code_url={quote(url, safe='')}" if native and scan else "",
    }
