"""Misbehaviour switches. Counts fire once each (a conditional decrement, so gunicorn threads
and processes never fire one twice); delay_ms stays until reset."""

from __future__ import annotations

from django.db.models import F

from .models import Fault

FAULTS = {
    "system_error": "v3 接口应答 500 SYSTEM_ERROR（已签名）（次数）",
    "frequency_limited": "v3 接口应答 429 FREQUENCY_LIMITED（已签名）（次数）",
    "bad_answer_signature": "v3 接口应答的签名验不过（次数）",
    "delay_ms": "v3 接口延迟这么多毫秒再应答（数值，清除前一直有效）",
    "drop_notify": "一次通知不发出，按重试时间表再来（次数）",
    "duplicate_notify": "一次通知连发两遍（次数）",
    "late_notify": "新通知的第一次投递推迟一小时（乘以时间倍率）（次数）",
    "reorder_notify": "新通知暂缓，等该交易的下一条通知发出后再发（次数）",
    "wrong_amount_notify": "通知里的金额多 100 分，签名和加密都正确（次数）",
    "bad_signature_notify": "一次通知的签名验不过（次数）",
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
