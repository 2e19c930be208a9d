"""The one place that turns exceptions into API error responses.

Every error body has the same shape: {"detail": str, "code": str} plus "errors" ({field:
[messages]}) for invalid input and any extra facts (e.g. "retry_after")."""

from __future__ import annotations

import logging

import redis
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.views import exception_handler as drf_exception_handler

from luffy.common.errors import ApplicationError
from luffy.common.i18n import duration_words

logger = logging.getLogger(__name__)


def _first_message(errors) -> str:
    """A sentence a person can act on, from DRF's nested error structure."""
    if isinstance(errors, dict):
        for field, value in errors.items():
            message = _first_message(value)
            if field in ("non_field_errors", "__all__"):
                return message
            return f"{field}: {message}"
    if isinstance(errors, list) and errors:
        return _first_message(errors[0])
    return str(errors)


def error_body(detail: str, code: str, **extra) -> dict:
    return {"detail": detail, "code": code, **extra}


def api_exception_handler(exc, context):
    if isinstance(exc, ApplicationError):
        body = error_body(exc.message, exc.code, **exc.extra)
        if exc.field:
            body["errors"] = {exc.field: [exc.message]}
        headers = dict(exc.headers)
        if hasattr(exc, "retry_after"):
            headers["Retry-After"] = str(exc.retry_after)
        return Response(body, status=exc.status_code, headers=headers or None)

    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, redis.ConnectionError | redis.TimeoutError):
        logger.warning("Redis unavailable during %s: %s", context.get("view"), exc)
        return Response(
            error_body(
                _("Service temporarily unavailable, please try again shortly."), "redis_unavailable"
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )

    elif isinstance(exc, OperationalError | InterfaceError):
        # A dropped connection, or a lock / statement timeout (a row held too long): retryable.
        logger.warning("database unavailable during %s: %r", context.get("view"), exc)
        return Response(
            error_body(
                _("The database is busy or unavailable, please try again shortly."),
                "database_busy",
            ),
            status=status.HTTP_503_SERVICE_UNAVAILABLE,
        )
    elif isinstance(exc, RequestDataTooBig):  # raised while DRF parses the body
        return Response(
            error_body(_("The request body is too large."), "request_too_large"),
            status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
        )
    elif isinstance(exc, SuspiciousOperation):  # TooManyFieldsSent, TooManyFilesSent, ...
        logger.info("bad request during %s: %r", context.get("view"), exc)
        return Response(
            error_body(_("The request is malformed: %(reason)s") % {"reason": exc}, "bad_request"),
            status=status.HTTP_400_BAD_REQUEST,
        )

    response = drf_exception_handler(exc, context)
    if response is None:
        return None  # a bug: let Django log it and answer 500

    if isinstance(exc, exceptions.ValidationError):
        errors = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        response.data = error_body(_first_message(errors), "invalid", errors=errors)
    else:
        detail = exc.detail
        if isinstance(detail, dict):  # simplejwt: {"detail": ..., "code": ..., "messages": [...]}
            body = error_body(str(detail.get("detail", "")), str(detail.get("code", "error")))
        else:
            codes = exc.get_codes()
            body = error_body(str(detail), codes if isinstance(codes, str) else "error")
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            body["retry_after"] = int(exc.wait) + 1
            body["detail"] = _("Too many requests; try again in %(wait)s.") % {
                "wait": duration_words(body["retry_after"])
            }
        response.data = body
    return response
