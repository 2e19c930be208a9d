"""The pricing engine: sale-rule parsing and price computation. Pure Python, no database.

Rule syntax (see docs/pricing.md):
    "" or "0"            free
    "*0.8"               multiply by a factor between 0 and 1
    "-100"               subtract an amount
    "满100-10\n满200-25"  tiers: subtract the amount of the largest threshold the price reaches

The cart and coupons import `parse_rule` / `Rule.apply` so a coupon "*0.85" means the same thing.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from luffy.common.money import ZERO, money

_NUMBER = r"\d+(?:\.\d{1,2})?"
_FACTOR = re.compile(r"\*\s*(\d+(?:\.\d+)?)")
_SUBTRACT = re.compile(rf"-\s*({_NUMBER})")
_TIER = re.compile(rf"满\s*({_NUMBER})\s*-\s*({_NUMBER})")


class RuleError(ValueError):
    """A sale rule that cannot be parsed; the message says what is wrong."""


@dataclass(frozen=True)
class Rule:
    kind: str  # "free" | "multiply" | "subtract" | "tiers"
    factor: Decimal = Decimal(1)
    amount: Decimal = ZERO
    tiers: tuple[tuple[Decimal, Decimal], ...] = ()  # (threshold, amount), ascending

    def apply(self, base: Decimal) -> Decimal:
        """The price after this rule: two places, HALF_UP, never below 0 nor above `base`."""
        base = money(base)
        if self.kind == "free":
            price = ZERO
        elif self.kind == "multiply":
            price = base * self.factor
        elif self.kind == "subtract":
            price = base - self.amount
        else:
            reached = [amount for threshold, amount in self.tiers if base >= threshold]
            price = base - reached[-1] if reached else base
        return min(max(money(price), ZERO), base)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text)
    except InvalidOperation as exc:  # pragma: no cover - the regexes only pass digits
        raise RuleError(f"{text!r} is not a number.") from exc


def parse_rule(text: str | None) -> Rule:
    """Parse a sale rule; raise RuleError with a message a person can act on."""
    text = (text or "").strip()
    if text in ("", "0"):
        return Rule("free")
    if text.startswith("*"):
        match = _FACTOR.fullmatch(text)
        if not match:
            raise RuleError(f"{text!r}: a multiplier looks like *0.8.")
        factor = _decimal(match[1])
        if factor > 1:
            raise RuleError(f"{text!r}: the multiplier must be between 0 and 1.")
        return Rule("multiply", factor=factor)
    if text.startswith("-"):
        match = _SUBTRACT.fullmatch(text)
        if not match:
            raise RuleError(f"{text!r}: a reduction looks like -100 (at most two decimals).")
        return Rule("subtract", amount=_decimal(match[1]))
    tiers: dict[Decimal, Decimal] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        match = _TIER.fullmatch(line)
        if not match:
            if "\n" not in text:
                raise RuleError(f"{text!r}: use *0.8, -100, 0 (free) or tiers like 满100-10.")
            raise RuleError(
                f"Line {number} {line!r}: each line of a tiered rule looks like 满100-10."
            )
        threshold, amount = _decimal(match[1]), _decimal(match[2])
        if threshold in tiers:
            raise RuleError(f"Line {number} {line!r}: the threshold {threshold} appears twice.")
        if amount > threshold:
            raise RuleError(f"Line {number} {line!r}: the reduction is larger than the threshold.")
        tiers[threshold] = amount
    return Rule("tiers", tiers=tuple(sorted(tiers.items())))


@dataclass(frozen=True)
class Offer:
    """One course's discount in one activity."""

    name: str  # the discount type's name, e.g. 限时折扣
    condition: Decimal  # the minimum base price the rule applies to
    rule: Rule
    start: datetime
    end: datetime

    def active_at(self, at: datetime) -> bool:
        return self.start <= at < self.end


@dataclass(frozen=True)
class SalePrice:
    price: Decimal  # the base price of the option
    real_price: Decimal
    offer: Offer | None  # the discount that produced real_price; None when nothing applies


def sale_price(base: Decimal, offers: Iterable[Offer], at: datetime) -> SalePrice:
    """The price of `base` at `at`: the lowest price any active offer gives (first wins a tie).

    An offer applies when its activity runs at `at` (start <= at < end) and `base` reaches its
    condition. An offer that does not lower the price is not reported."""
    base = money(base)
    best = SalePrice(base, base, None)
    for offer in offers:
        if not offer.active_at(at) or base < offer.condition:
            continue
        price = offer.rule.apply(base)
        if price < best.real_price:
            best = SalePrice(base, price, offer)
    return best
