"""Money is defined once: luffy.common.money.money_field for columns, MoneyField for the API."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.db import models

from luffy.common.money import MAX_MONEY, MONEY_DIGITS, MONEY_PLACES
from luffy.common.serializers import MoneyField

LUFFY = Path(__file__).resolve().parents[2] / "luffy"
# The offline sandboxes are the gateway's own store, with the gateway's own column widths.
OWN_MONEY = {"alipay_sandbox", "wechat_sandbox", "migrations"}
DECIMAL = re.compile(r"\b(models|serializers)\.DecimalField\(")


def test_no_app_defines_its_own_money_field():
    found = [
        f"{path.relative_to(LUFFY)}:{number}"
        for path in LUFFY.rglob("*.py")
        if not OWN_MONEY & set(path.relative_to(LUFFY).parts)
        and path.relative_to(LUFFY).parts[0] != "common"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if DECIMAL.search(line)
    ]
    assert found == [], "use luffy.common.money.money_field / common.serializers.MoneyField"


def test_the_scan_sees_a_stray_decimal_field():
    assert DECIMAL.search("    amount = models.DecimalField(max_digits=10, decimal_places=2)")


def test_every_store_money_column_has_the_same_width():
    store = [
        field
        for model in apps.get_models()
        if model._meta.app_label not in {"alipay_sandbox", "wechat_sandbox"}
        for field in model._meta.get_fields()
        if isinstance(field, models.DecimalField)
    ]
    assert store, "no money columns found"
    assert {(f.max_digits, f.decimal_places) for f in store} == {(MONEY_DIGITS, MONEY_PLACES)}
    assert len(str(MAX_MONEY).replace(".", "")) == MONEY_DIGITS


def test_money_goes_out_as_a_two_place_string():
    assert MoneyField().to_representation("12.5") == "12.50"
