"""Money is Decimal with two places, ROUND_HALF_UP, never a float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import models

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
# Every money column and every money field of the API: ten digits, two of them after the point.
MONEY_DIGITS = 10
MONEY_PLACES = 2
# The largest amount a money column holds; Alipay takes at most 100,000,000.00 per trade, so
# this is also the largest order total the store accepts.
MAX_MONEY = Decimal("99999999.99")


def money_field(**kwargs) -> models.DecimalField:
    """A money column (the one definition). A factory returning a plain DecimalField, not a
    field class, so the migrations see exactly the columns they always did."""
    return models.DecimalField(max_digits=MONEY_DIGITS, decimal_places=MONEY_PLACES, **kwargs)


def money(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):
        raise TypeError("money must not be a float; pass a Decimal, int or str")
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_str(value: Decimal | int | str) -> str:
    """The wire format, e.g. for Alipay: "0.30"."""
    return f"{money(value):.2f}"


def money_column_str(value: Decimal) -> str:
    """A money column's value (a Decimal the database already holds at two places) as its wire
    string: only the formatting, for hot read paths writing many of them."""
    return f"{value:.2f}"


def yuan_text(value: Decimal | int | str) -> str:
    """An amount as an operator reads it: "¥8,888.00" (thousands grouped, two places)."""
    return f"¥{money(value):,.2f}"


def credit_to_money(points: int) -> Decimal:
    return money(Decimal(points) / Decimal(settings.CREDIT_PER_YUAN))


def with_money_strings(data):
    """`data` with every Decimal as a two-place string (DRF's JSON encoder would make floats).

    For hot read paths that skip output serializers; those still document the schema."""
    if isinstance(data, Decimal):
        return money_str(data)
    if isinstance(data, dict):
        return {key: with_money_strings(value) for key, value in data.items()}
    if isinstance(data, list | tuple):
        return [with_money_strings(value) for value in data]
    return data
