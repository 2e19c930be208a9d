"""Misbehaviour switches. Counts fire once each (a conditional decrement, so gunicorn threads
and processes never fire one twice); delay_ms stays until reset."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, Model


class FaultSwitches:
    """The switches of one sandbox: its Fault model and the faults it knows (name -> help)."""

    def __init__(self, model: type[Model], known: dict[str, str]) -> None:
        self.model = model
        self.known = known

    def current(self) -> dict[str, int]:
        values = dict(self.model.objects.values_list("name", "value"))
        return {name: values.get(name, 0) for name in self.known}

    def set_faults(self, values: dict[str, int]) -> dict[str, int]:
        unknown = set(values) - set(self.known)
        if unknown:
            raise ValueError(
                f"没有这些故障开关：{'、'.join(sorted(unknown))}；可用的有：{'、'.join(self.known)}"
            )
        for name, value in values.items():
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ValueError(f"{name} 的值必须是不小于 0 的整数")
        # Checked first, then written together: a bad value sets none of the others.
        with transaction.atomic():
            for name, value in values.items():
                self.model.objects.update_or_create(name=name, defaults={"value": value})
        return self.current()

    def reset(self) -> None:
        self.model.objects.all().delete()

    def consume(self, name: str) -> bool:
        """Fire the switch once if it is on (True), atomically."""
        fired = self.model.objects.filter(name=name, value__gt=0).update(value=F("value") - 1)
        return bool(fired)

    def value(self, name: str) -> int:
        return self.model.objects.filter(name=name).values_list("value", flat=True).first() or 0
