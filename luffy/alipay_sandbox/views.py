"""HTTP face of the sandbox: gateway.do (cashier and server APIs), the cashier's buttons, the
console and the fault switches. Thin: parse, call services, shape the answer."""

from __future__ import annotations

import json
import time
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from luffy.common.sandbox.control import SandboxControl, notify_json

from . import faults, notify, services, signing
from .models import Trade
from .services import SandboxError

PAGE_PAY = "alipay.trade.page.pay"


def _error_page(request, sub_code: str, message: str, *, verified: str = ""):
    # The live gateway answers errors with an HTML page (status 200), not JSON.
    context = {"sub_code": sub_code, "message": message, "verified": verified}
    return render(request, "alipay_sandbox/error.html", context)


def _json(text: str, status: int = 200) -> HttpResponse:
    return HttpResponse(text, status=status, content_type="application/json; charset=utf-8")


@csrf_exempt
@require_http_methods(["GET", "POST"])
def gateway(request):
    params = {**request.GET.dict(), **request.POST.dict()}
    method = params.get("method", "")
    if faults.consume("http_503"):
        return HttpResponse("服务暂不可用（沙箱故障开关）", status=503)
    if method == PAGE_PAY:
        return _page_pay(request, params)
    if method in services.API_METHODS:
        return _server_api(method, params)
    error = SandboxError("isv.invalid-method", f"不存在的方法名：{method!r}", code="40002")
    return _json(signing.unsigned_response("error_response", error.payload()))


def _page_pay(request, params: dict):
    if params.get("app_id") != settings.ALIPAY_APP_ID:
        return _error_page(request, "isv.invalid-app-id", "无效的 AppID 参数")
    if not signing.verify_request(params):
        return _error_page(
            request,
            "invalid-signature",
            "验签出错：请检查签名字符串，或签名私钥与应用公钥是否匹配",
            verified=signing.request_content(params),
        )
    try:
        biz = json.loads(params.get("biz_content") or "")
        if not isinstance(biz, dict):
            raise ValueError("biz_content is not an object")
        trade = services.open_trade(
            app_id=params["app_id"],
            biz=biz,
            return_url=params.get("return_url", ""),
            notify_url=params.get("notify_url", ""),
        )
    except ValueError:
        return _error_page(request, "ACQ.INVALID_PARAMETER", "biz_content 须为 JSON 对象")
    except SandboxError as exc:
        return _error_page(request, exc.sub_code, exc.sub_msg)
    return HttpResponseRedirect(f"/sandbox/cashier/{trade.cashier_token}/")


def _server_api(method: str, params: dict) -> HttpResponse:
    response_type = method.replace(".", "_") + "_response"
    delay_ms = faults.value("delay_ms")
    if delay_ms:
        time.sleep(delay_ms / 1000)
    # Errors before the caller is identified are unsigned, as live (the SDK raises on them).
    if params.get("app_id") != settings.ALIPAY_APP_ID:
        error = SandboxError("isv.invalid-app-id", "无效的 AppID 参数", code="40002")
        return _json(signing.unsigned_response(response_type, error.payload()))
    if not signing.verify_request(params):
        error = SandboxError(
            "isv.invalid-signature",
            "验签出错：请检查签名字符串，或签名私钥与应用公钥是否匹配",
            code="40002",
        )
        return _json(signing.unsigned_response(response_type, error.payload()))
    if faults.consume("api_unavailable"):
        payload = SandboxError(
            "isp.unknow-error", "系统繁忙（沙箱故障开关）", code="20000"
        ).payload()
    else:
        try:
            payload = services.call_api(method, params["app_id"], params.get("biz_content", ""))
        except SandboxError as exc:
            payload = exc.payload()
    return _json(signing.signed_response(response_type, payload))


@require_GET
def cashier(request, token: str):
    trade = get_object_or_404(Trade, cashier_token=token)
    context = {"trade": trade, "seller_id": settings.ALIPAY_SELLER_ID}
    return render(request, "alipay_sandbox/cashier.html", context)


@csrf_exempt
@require_POST
def cashier_pay(request, token: str):
    get_object_or_404(Trade, cashier_token=token)
    try:
        trade = services.pay(cashier_token=token)
    except SandboxError as exc:
        return _error_page(request, exc.sub_code, exc.sub_msg)
    if not trade.return_url:
        context = {"trade": trade, "paid": True, "store_url": _store_url(trade)}
        return render(request, "alipay_sandbox/done.html", context)
    glue = "&" if "?" in trade.return_url else "?"
    return HttpResponseRedirect(trade.return_url + glue + urlencode(services.return_params(trade)))


@csrf_exempt
@require_POST
def cashier_cancel(request, token: str):
    trade = get_object_or_404(Trade, cashier_token=token)
    context = {"trade": trade, "paid": False, "store_url": _store_url(trade)}
    return render(request, "alipay_sandbox/done.html", context)


def _store_url(trade: Trade) -> str:
    """The merchant's home page (the origin of its return or notify URL), so a buyer who
    leaves the cashier gets back to the store instead of a dead end."""
    for url in (trade.return_url, trade.notify_url):
        parts = urlsplit(url)
        if parts.scheme in ("http", "https") and parts.netloc:
            return f"{parts.scheme}://{parts.netloc}/"
    return ""


def _trade_json(request, trade: Trade) -> dict:
    """A trade with its refunds and every notify attempt (GET /sandbox/trades/<out_trade_no>/,
    for tests and debugging)."""
    return {
        "out_trade_no": trade.out_trade_no,
        "trade_no": trade.trade_no,
        "status": trade.status,
        "total_amount": f"{trade.total_amount:.2f}",
        "refund_fee": f"{trade.refund_fee:.2f}",
        "refunds": [
            {"out_request_no": r.out_request_no, "amount": f"{r.amount:.2f}"}
            for r in trade.refunds.all()
        ],
        "notifies": [
            notify_json(n, notify_id=n.notify_id, trade_status=n.params.get("trade_status"))
            for n in trade.notifies.all()
        ],
    }


# The console, the trade JSON, the fault switches and reset, as every sandbox has them.
control = SandboxControl(notify.runner, trade_json=_trade_json)
console, trade_detail = control.console, control.trade_detail
fault_switches, reset = control.fault_switches, control.reset
