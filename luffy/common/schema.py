"""Shortcuts for documenting error responses in the OpenAPI schema."""

from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, inline_serializer
from rest_framework import serializers

from luffy.common.serializers import ErrorSerializer

_DESCRIPTIONS = {
    400: "Invalid input; `errors` names the fields.",
    401: "Not logged in, or wrong credentials.",
    403: "Not allowed.",
    404: "Not found.",
    409: "Conflicts with the current state.",
    413: "The request body is too large.",
    416: "The byte range is outside the file; `Content-Range: bytes */size` names its size.",
    429: "Too many requests; `retry_after` says when to try again.",
    503: "A dependency (database, Redis, gateway) is unavailable.",
}


def errors(*codes: int) -> dict:
    return {
        code: OpenApiResponse(ErrorSerializer, description=_DESCRIPTIONS[code]) for code in codes
    }


def paginated(serializer_class) -> OpenApiResponse:
    """A page of `PageSizePagination`: {count, next, previous, results: [...]}."""
    name = serializer_class.__name__.removesuffix("Serializer")
    return OpenApiResponse(
        inline_serializer(
            name=f"Paginated{name}List",
            fields={
                "count": serializers.IntegerField(),
                "next": serializers.CharField(allow_null=True),
                "previous": serializers.CharField(allow_null=True),
                "results": serializer_class(many=True),
            },
        )
    )


# ?page= and ?size= of PageSizePagination
PAGE_PARAMETERS = [OpenApiParameter("page", int), OpenApiParameter("size", int)]


def every_operation_may_refuse_input(result, generator, request, public):
    """drf-spectacular post-processing hook: any /api/ request can be refused with a 400
    before its view runs (a NUL character in the path or query, see
    luffy.common.middleware), so every operation documents one."""
    refused = {
        "description": "Invalid input (for example a NUL character in the path or query).",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "responses" in operation:
                operation["responses"].setdefault("400", refused)
    return result
