"""URL converters. `<id:...>` is `<int:...>` bounded to what a BIGINT primary key can hold: a
longer number does not match (a JSON 404) instead of overflowing the database's integer."""

from __future__ import annotations

from django.urls import register_converter

MAX_ID = 2**63 - 1


class IdConverter:
    regex = "[0-9]{1,18}"  # 18 digits are always below 2**63

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")
