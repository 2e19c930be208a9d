"""Shortcuts for documenting error responses in the OpenAPI schema."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTStatelessUserScheme
from drf_spectacular.utils import OpenApiResponse

from luffy.common.serializers import ErrorSerializer

_DESCRIPTIONS = {
    400: "Invalid input; `errors` names the fields.",
    401: "Not logged in, or wrong credentials.",
    403: "Not allowed.",
    404: "Not found.",
    409: "Conflicts with the current state.",
    429: "Too many requests; `retry_after` says when to try again.",
    503: "A dependency (database, Redis, gateway) is unavailable.",
}


def errors(*codes: int) -> dict:
    return {
        code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code]) for code in codes
    }


class StatelessJWTScheme(SimpleJWTStatelessUserScheme):
    """The same Bearer token as jwtAuth, for views that skip the user query (cart, study); a
    name of its own keeps the schema unambiguous (drf-spectacular W001)."""

    name = "jwtStatelessAuth"
    priority = 1
