"""The endpoints every sandbox has besides its protocol: the console, a trade as JSON, the fault
switches and reset (changes need the control token)."""

from __future__ import annotations

import hmac
import json
from collections.abc import Callable

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from .notify import NotifyRunner

CONTROL_TOKEN_HEADER = "X-Sandbox-Token"  # noqa: S105 (a header name)


class SandboxControl:
    """One sandbox's control views, over its notify runner's fault switches and settings (app
    alipay_sandbox: the token ALIPAY_SANDBOX_CONTROL_TOKEN, in ..._CONTROL_TOKEN_FILE)."""

    def __init__(self, notifies: NotifyRunner, *, trade_json: Callable[..., dict]) -> None:
        """`trade_json(request, trade)` is the protocol's JSON of one trade."""
        self.settings_prefix = notifies.settings_prefix
        self.faults = notifies.fault_switches
        self.notifies = notifies
        self.app = notifies.model._meta.app_label
        self.trade_model = notifies.model._meta.get_field("trade").related_model
        self.trade_json = trade_json
        self.console = require_GET(self._console)
        self.trade_detail = require_GET(self._trade_detail)
        # A programmatic API: the control token protects it, not a CSRF cookie.
        self.fault_switches = csrf_exempt(
            require_http_methods(["GET", "POST", "DELETE"])(self._fault_switches)
        )
        self.reset = csrf_exempt(require_POST(self._reset))

    def setting(self, name: str):
        return getattr(settings, f"{self.settings_prefix}_{name}")

    def token_refusal(self, request) -> JsonResponse | None:
        """A 403 unless the request carries the control token (kept in the var folder):
        cross-origin pages can post here, but neither read the file nor send that header."""
        sent = request.headers.get(CONTROL_TOKEN_HEADER, "")
        if hmac.compare_digest(sent.encode(), self.setting("CONTROL_TOKEN").encode()):
            return None
        return JsonResponse(
            {
                "detail": f"请带上请求头 {CONTROL_TOKEN_HEADER}，其值为 "
                f"{self.setting('CONTROL_TOKEN_FILE')} 中的令牌。",
                "code": "sandbox_token_required",
            },
            status=403,
        )

    def _fault_switches(self, request):
        if request.method != "GET" and (refusal := self.token_refusal(request)):
            return refusal
        if request.method == "DELETE":
            self.faults.reset()
        elif request.method == "POST":
            try:
                try:
                    values = json.loads(request.body or b"{}")
                except ValueError:
                    values = None
                if not isinstance(values, dict):
                    # The sandbox carries its Chinese literally (no gettext catalog of its own).
                    raise ValueError('请发送一个 JSON 对象，形如 {"开关名": 次数}')
                self.faults.set_faults(values)
            except ValueError as exc:
                return JsonResponse({"detail": str(exc), "faults": self.faults.known}, status=400)
        return JsonResponse(self.faults.current())

    def _reset(self, request):
        """Clear every fault and stop every pending notify retry (trades are kept)."""
        if refusal := self.token_refusal(request):
            return refusal
        self.faults.reset()
        return JsonResponse({"stopped_notifies": self.notifies.stop_pending()})

    def trades(self):
        """The sandbox's trades with their refunds and every notify attempt."""
        return self.trade_model.objects.prefetch_related("refunds", "notifies__attempts")

    def _console(self, request):
        """The console page: the latest trades, the fault switches and how to change them."""
        context = {
            "trades": self.trades()[:100],
            "faults": self.faults.current(),
            "fault_help": self.faults.known,
            "token_file": self.setting("CONTROL_TOKEN_FILE"),
        }
        return render(request, f"{self.app}/console.html", context)

    def _trade_detail(self, request, out_trade_no: str):
        """One trade as JSON (for tests and debugging)."""
        trade = get_object_or_404(self.trades(), out_trade_no=out_trade_no)
        return JsonResponse(self.trade_json(request, trade))


def notify_json(notify, **fields) -> dict:
    """A notify and every attempt to deliver it, as the trade JSON shows them; `fields` are the
    protocol's (its id, what it reports)."""
    return {
        **fields,
        "delivered": notify.delivered,
        "attempts": [
            {
                "number": attempt.number,
                "sent_at": attempt.sent_at.isoformat(),
                "http_status": attempt.http_status,
                "response_body": attempt.response_body,
                "error": attempt.error,
            }
            for attempt in notify.attempts.all()
        ],
    }
