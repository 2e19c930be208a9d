"""Domain errors. Services raise these; one API handler turns them into HTTP answers, so the
domain never imports the API layer."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class ApplicationError(Exception):
    status_code = 400
    default_code = "invalid"
    default_message = _("The request could not be processed.")

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        field: str | None = None,
        extra: dict | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        self.field = field  # set when the error belongs to one input field
        self.extra = extra or {}
        # HTTP headers the answer must carry, e.g. Content-Range on a 416
        self.headers = dict(headers or {})
        super().__init__(self.message)


class ValidationFailed(ApplicationError):
    status_code = 400
    default_code = "invalid"


class NotAuthenticated(ApplicationError):
    status_code = 401
    default_code = "not_authenticated"
    default_message = _("Log in to continue.")


class Forbidden(ApplicationError):
    status_code = 403
    default_code = "forbidden"
    default_message = _("You are not allowed to do this.")


class NotFound(ApplicationError):
    status_code = 404
    default_code = "not_found"
    default_message = _("Not found.")


class Conflict(ApplicationError):
    status_code = 409
    default_code = "conflict"


class RangeNotSatisfiable(ApplicationError):
    """A byte range outside the file; the answer names the file's size (RFC 9110 15.5.17)."""

    status_code = 416
    default_code = "range_not_satisfiable"
    default_message = _("The requested byte range is outside the file.")

    def __init__(self, message: str | None = None, *, size: int, **kwargs) -> None:
        kwargs.setdefault("headers", {})["Content-Range"] = f"bytes */{size}"
        super().__init__(message, **kwargs)


class RateLimited(ApplicationError):
    status_code = 429
    default_code = "rate_limited"

    def __init__(self, message: str | None = None, *, retry_after: int, **kwargs) -> None:
        self.retry_after = max(int(retry_after), 1)
        kwargs.setdefault("extra", {})["retry_after"] = self.retry_after
        super().__init__(message, **kwargs)


class ServiceUnavailable(ApplicationError):
    status_code = 503
    default_code = "service_unavailable"
    default_message = _("Service temporarily unavailable, please try again shortly.")
