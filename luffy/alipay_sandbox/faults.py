"""Misbehaviour switches. Counts fire once each (a conditional decrement, so gunicorn threads
and processes never fire one twice); delay_ms stays until reset."""

from __future__ import annotations

from django.db.models import F

from .models import Fault

FAULTS = {
    "api_unavailable": "server APIs answer a signed code 20000 (count)",
    "http_503": "gateway.do answers HTTP 503 (count)",
    "delay_ms": "server APIs answer after this many milliseconds (value, stays until reset)",
    "drop_notify": "a notify attempt is not sent, so it comes again on the retry schedule (count)",
    "duplicate_notify": "a notify attempt is POSTed twice (count)",
    "reorder_notify": "a new notify is held back until the trade's next notify was sent (count)",
    "wrong_amount_notify": "a notify attempt carries total_amount + 1.00, validly signed (count)",
    "bad_signature_notify": "a notify attempt carries a signature that does not verify (count)",
}


def current() -> dict[str, int]:
    values = dict(Fault.objects.values_list("name", "value"))
    return {name: values.get(name, 0) for name in FAULTS}


def set_faults(values: dict[str, int]) -> dict[str, int]:
    unknown = set(values) - set(FAULTS)
    if unknown:
        raise ValueError(
            f"unknown faults: {', '.join(sorted(unknown))}; known: {', '.join(FAULTS)}"
        )
    for name, value in values.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ValueError(f"{name} must be a non-negative integer")
        Fault.objects.update_or_create(name=name, defaults={"value": value})
    return current()


def reset() -> None:
    Fault.objects.all().delete()


def consume(name: str) -> bool:
    return bool(Fault.objects.filter(name=name, value__gt=0).update(value=F("value") - 1))


def value(name: str) -> int:
    return Fault.objects.filter(name=name).values_list("value", flat=True).first() or 0
