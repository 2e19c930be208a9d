"""HTTP face of the sandbox: the v3 APIs (signed JSON in, signed JSON out), the cashier pages
(Native: the code_url's QR code; H5), the console and the fault switches. Thin: parse, call
services, shape the answer."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode, urlsplit

import segno
from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from luffy.common.sandbox.control import SandboxControl, notify_json

from . import faults, notify, services, signing
from .models import Trade
from .services import SandboxError

H5_URL_LIFETIME = 300  # seconds, as live


def _answer(status: int, payload: dict | None) -> HttpResponse:
    """A v3 answer: JSON (none for 204), signed with the platform key over the exact bytes."""
    body = "" if payload is None else json.dumps(payload, ensure_ascii=False, separators=(",", ":"))
    response = HttpResponse(body, status=status, content_type="application/json; charset=utf-8")
    forge = faults.consume("bad_answer_signature")
    for name, value in signing.signature_headers(body, forge=forge).items():
        response[name] = value
    response["Request-ID"] = f"sandbox-{time.time_ns()}"
    return response


def _v3(request, handler, *, status: int = 200) -> HttpResponse:
    """Authorization checked, faults applied, JSON parsed, errors as WeChat answers them."""
    delay_ms = faults.value("delay_ms")
    if delay_ms:
        time.sleep(delay_ms / 1000)
    refusal = signing.authorization_error(
        header=request.headers.get("Authorization", ""),
        method=request.method,
        path=request.get_full_path(),
        body=request.body,
    )
    if refusal:
        return _answer(401, {"code": "SIGN_ERROR", "message": f"签名错误：{refusal}"})
    if faults.consume("system_error"):
        return _answer(500, {"code": "SYSTEM_ERROR", "message": "系统错误（沙箱故障开关）"})
    if faults.consume("frequency_limited"):
        return _answer(429, {"code": "FREQUENCY_LIMITED", "message": "频率超限（沙箱故障开关）"})
    data = {}
    if request.method == "POST":
        try:
            data = json.loads(request.body or b"")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return _answer(400, services.param_error("请求体应为JSON对象").payload())
    try:
        payload = handler(data)
    except SandboxError as exc:
        return _answer(exc.status, exc.payload())
    return _answer(204 if payload is None else status, payload)


@csrf_exempt
@require_POST
def native(request):
    def handler(data):
        trade = services.open_trade(data, trade_type=Trade.Type.NATIVE)
        return {"code_url": services.code_url(trade)}

    return _v3(request, handler)


@csrf_exempt
@require_POST
def h5(request):
    def handler(data):
        trade = services.open_trade(data, trade_type=Trade.Type.MWEB)
        query = urlencode({"prepay_id": f"wx{trade.cashier_token}", "t": int(time.time())})
        return {"h5_url": request.build_absolute_uri(f"/sandbox/h5/?{query}")}

    return _v3(request, handler)


@require_GET
def transaction_query(request, out_trade_no: str):
    return _v3(request, lambda _: services.query(out_trade_no, mchid=request.GET.get("mchid", "")))


@csrf_exempt
@require_POST
def transaction_close(request, out_trade_no: str):
    return _v3(request, lambda data: services.close(out_trade_no, data))


@csrf_exempt
@require_POST
def refunds(request):
    return _v3(request, services.refund)


@require_GET
def refund_query(request, out_refund_no: str):
    return _v3(request, lambda _: services.refund_query(out_refund_no))


# --- Cashier pages ------------------------------------------------------------------------------


def _qr_svg(text: str) -> str:
    return segno.make(text, error="m").svg_inline(scale=6, border=2, title="微信支付二维码")


def _store_url(trade: Trade) -> str:
    """The merchant's home page (the origin of its notify URL)."""
    parts = urlsplit(trade.notify_url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return f"{parts.scheme}://{parts.netloc}/"
    return ""


def _error_page(request, error: SandboxError, status: int = 400):
    return render(request, "wechat_sandbox/error.html", {"error": error}, status=status)


@require_GET
def scan(request):
    """What the phone's WeChat does with a scanned code_url: opens its cashier."""
    code_url = request.GET.get("code_url", "")
    prefix = "weixin://wxpay/bizpayurl?pr="
    if not code_url.startswith(prefix):
        return _error_page(request, services.param_error("不是微信支付的二维码链接"))
    trade = get_object_or_404(Trade, cashier_token=code_url.removeprefix(prefix))
    return HttpResponseRedirect(f"/sandbox/native/{trade.cashier_token}/")


@require_GET
def native_cashier(request, token: str):
    trade = get_object_or_404(Trade, cashier_token=token)
    context = {
        "trade": trade,
        "yuan": f"{trade.total / 100:.2f}",
        "qr_svg": _qr_svg(services.code_url(trade)),
        "code_url": services.code_url(trade),
        "mchid": settings.WECHAT_MCHID,
    }
    return render(request, "wechat_sandbox/native.html", context)


@csrf_exempt
@require_POST
def native_pay(request, token: str):
    get_object_or_404(Trade, cashier_token=token)
    try:
        trade = services.pay(cashier_token=token)
    except SandboxError as exc:
        return _error_page(request, exc)
    return _done(request, trade, paid=True)


def _done(request, trade: Trade, *, paid: bool):
    context = {
        "trade": trade,
        "yuan": f"{trade.total / 100:.2f}",
        "paid": paid,
        "store_url": _store_url(trade),
    }
    return render(request, "wechat_sandbox/done.html", context)


def _h5_trade(prepay_id: str) -> Trade | None:
    if not prepay_id.startswith("wx"):
        return None
    return Trade.objects.filter(cashier_token=prepay_id[2:]).first()


def _safe_redirect(request, url: str, trade: Trade) -> str:
    """Only back to the merchant that ordered (its notify URL's host), never elsewhere."""
    allowed = {urlsplit(trade.notify_url).netloc}
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts=allowed):
        return url
    return ""


@require_GET
def h5_cashier(request):
    trade = _h5_trade(request.GET.get("prepay_id", ""))
    if trade is None:
        return _error_page(request, SandboxError(404, "ORDER_NOT_EXIST", "订单不存在"), 404)
    issued = request.GET.get("t", "")
    if not issued.isdigit() or time.time() - int(issued) > H5_URL_LIFETIME:
        expired = SandboxError(
            400, "H5_URL_EXPIRED", "支付链接已过期（有效期5分钟），请返回商户重新下单"
        )
        return _error_page(request, expired)
    context = {
        "trade": trade,
        "yuan": f"{trade.total / 100:.2f}",
        "prepay_id": request.GET["prepay_id"],
        "redirect_url": _safe_redirect(request, request.GET.get("redirect_url", ""), trade),
        "mchid": settings.WECHAT_MCHID,
    }
    return render(request, "wechat_sandbox/h5.html", context)


@csrf_exempt
@require_POST
def h5_pay(request):
    trade = _h5_trade(request.POST.get("prepay_id", ""))
    if trade is None:
        return _error_page(request, SandboxError(404, "ORDER_NOT_EXIST", "订单不存在"), 404)
    redirect_url = _safe_redirect(request, request.POST.get("redirect_url", ""), trade)
    paid = request.POST.get("action") == "pay"
    if paid:
        try:
            trade = services.pay(cashier_token=trade.cashier_token)
        except SandboxError as exc:
            return _error_page(request, exc)
    # Live WeChat goes back to redirect_url whatever happened: the merchant must ask.
    if redirect_url:
        return HttpResponseRedirect(redirect_url)
    return _done(request, trade, paid=paid)


# --- Console and control ------------------------------------------------------------------------


def _trade_json(request, trade: Trade) -> dict:
    """A trade with its refunds and every notify attempt (GET /sandbox/trades/<out_trade_no>/,
    for tests and debugging)."""
    return {
        "out_trade_no": trade.out_trade_no,
        "transaction_id": trade.transaction_id,
        "trade_type": trade.trade_type,
        "trade_state": trade.trade_state,
        "total": trade.total,
        "refunded": trade.refunded,
        "cashier_url": request.build_absolute_uri(f"/sandbox/native/{trade.cashier_token}/"),
        "refunds": [
            {"out_refund_no": r.out_refund_no, "amount": r.amount, "status": r.status}
            for r in trade.refunds.all()
        ],
        "notifies": [
            notify_json(n, id=n.notify_id, event_type=n.event_type) for n in trade.notifies.all()
        ],
    }


# The console, the trade JSON, the fault switches and reset, as every sandbox has them.
control = SandboxControl(notify.runner, trade_json=_trade_json)
console, trade_detail = control.console, control.trade_detail
fault_switches, reset = control.fault_switches, control.reset
