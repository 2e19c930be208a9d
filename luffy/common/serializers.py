from django.utils import timezone
from rest_framework import serializers

from luffy.common.error_codes import ERROR_CODE_CHOICES
from luffy.common.money import MONEY_DIGITS, MONEY_PLACES


class ErrorSerializer(serializers.Serializer):
    """The shape of every API error (documented in the schema)."""

    detail = serializers.CharField()
    code = serializers.ChoiceField(
        choices=ERROR_CODE_CHOICES,
        help_text="what went wrong, for programs: one of the registry luffy.common.error_codes",
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
    retry_after = serializers.IntegerField(required=False, help_text="seconds, for 429")


# Bounds for every integer the API accepts: what the database columns hold, so an absurd
# number is a 400 and never an integer overflow in the query (SQLite: a 500).
MAX_ID = 2**63 - 1  # BIGINT primary keys
MAX_INT = 2**31 - 1  # INTEGER columns (credit points, page numbers, ...)


class IdField(serializers.IntegerField):
    """An id input: 1 .. MAX_ID unless told otherwise."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


class CountField(serializers.IntegerField):
    """A non-negative count input (credit points, a page number): at most MAX_INT."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", 0)
        kwargs.setdefault("max_value", MAX_INT)
        super().__init__(**kwargs)


class MoneyField(serializers.DecimalField):
    """A money value in the API: a two-place string, e.g. "12.50" (never a JSON number), with
    the money columns' digits (luffy.common.money)."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("coerce_to_string", True)
        super().__init__(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


def datetime_str(value, zone=None) -> str | None:
    """What DRF's DateTimeField writes (ISO 8601 in the current time zone, UTC as "Z"), for
    hot read paths that build their JSON without serializers; None stays None. A list passes
    `zone` (timezone.get_current_timezone(), looked up once) instead of a look-up per value."""
    if not value:
        return None
    text = value.astimezone(zone or timezone.get_current_timezone()).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text
