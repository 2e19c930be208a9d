"""Every answer under /api/ is JSON, whatever DEBUG is and wherever the error came from.

DRF views go through luffy.common.exception_handler; this middleware covers the rest: URLs no
view matches, Django's own error pages (DEBUG's technical pages included), non-DRF views, a
dropped database connection, and NUL characters in the path or query string (PostgreSQL refuses
them in text, so they must never reach a query)."""

from __future__ import annotations

import logging
from http import HTTPStatus

from django.conf import settings
from django.core.exceptions import SuspiciousOperation
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"


def is_api(request) -> bool:
    return request.path_info.startswith(API_PREFIX)


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("The request is malformed."), "bad_request"),
        403: (_("You are not allowed to do this."), "forbidden"),
        404: (_("No such API endpoint."), "not_found"),
        405: (_("This method is not allowed here."), "method_not_allowed"),
        413: (_("The request is too large."), "request_too_large"),
        500: (_("Internal server error; it has been logged."), "server_error"),
        503: (_("Service temporarily unavailable, please try again shortly."), "unavailable"),
    }


def json_error(status: int, detail: str | None = None, code: str | None = None) -> JsonResponse:
    default_detail, default_code = _messages().get(
        status, (HTTPStatus(status).phrase, HTTPStatus(status).phrase.lower().replace(" ", "_"))
    )
    return JsonResponse(
        {"detail": detail or default_detail, "code": code or default_code}, status=status
    )


def database_unavailable() -> JsonResponse:
    return json_error(
        503, _("The database is busy or unavailable, please try again shortly."), "database_busy"
    )


def _has_nul(request) -> bool:
    if "\x00" in request.path:
        return True
    return any("\x00" in key or "\x00" in value for key, value in request.GET.items())


class ApiErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not is_api(request):
            return self.get_response(request)
        try:
            if _has_nul(request):
                return json_error(400, _("Text may not contain NUL characters."), "nul_character")
        except SuspiciousOperation:  # e.g. TooManyFieldsSent in the query string
            return json_error(400)
        response = self.get_response(request)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith(
            "application/json"
        ):
            # An HTML error page (Django's, or DEBUG's technical one): same status, JSON body.
            return json_error(response.status_code)
        return response

    def process_exception(self, request, exception):
        """Non-DRF views (DRF's go through the exception handler)."""
        if is_api(request) and isinstance(exception, OperationalError | InterfaceError):
            logger.warning("database unavailable during %s: %r", request.path, exception)
            return database_unavailable()
        return None


class AdminCspMiddleware:
    """Loosens the Content-Security-Policy for the admin pages only (settings.ADMIN_CSP_UPDATE:
    the admin theme's Alpine.js needs 'unsafe-eval'). Runs inside django-csp's middleware, which
    merges `response._csp_update` into the policy it writes."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith("/admin/") and not hasattr(response, "_csp_update"):
            response._csp_update = settings.ADMIN_CSP_UPDATE
        return response
