"""Shortcuts for documenting error responses in the OpenAPI schema."""

from drf_spectacular.utils import OpenApiResponse

from luffy.common.serializers import ErrorSerializer

_DESCRIPTIONS = {
    400: "Invalid input; `errors` names the fields.",
    401: "Not logged in, or wrong credentials.",
    403: "Not allowed.",
    404: "Not found.",
    409: "Conflicts with the current state.",
    413: "The request body is too large.",
    429: "Too many requests; `retry_after` says when to try again.",
    503: "A dependency (database, Redis, gateway) is unavailable.",
}


def errors(*codes: int) -> dict:
    return {
        code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code]) for code in codes
    }
