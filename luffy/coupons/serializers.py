from django.utils import timezone
from rest_framework import serializers

from luffy.common.money import money_column_str
from luffy.common.serializers import MoneyField, datetime_str


class UserCouponSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="use as coupon_id at checkout")
    name = serializers.CharField()
    type = serializers.CharField()
    sale = serializers.CharField()
    min_amount = MoneyField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField(allow_null=True, help_text="null = never expires")
    status = serializers.CharField()
    usable = serializers.BooleanField()
    reason_code = serializers.CharField(allow_null=True)
    reason = serializers.CharField(allow_null=True, help_text="why it cannot be used")


class CouponListSerializer(serializers.Serializer):
    coupons = UserCouponSerializer(many=True)


def coupons_data(items: list[dict]) -> list[dict]:
    """What UserCouponSerializer writes, for the selectors' coupon items, built directly (the
    wallet is read on every checkout visit); a test pins that both write the same."""
    zone = timezone.get_current_timezone()
    return [
        {
            **item,
            "min_amount": money_column_str(item["min_amount"]),
            "start": datetime_str(item["start"], zone),
            "end": datetime_str(item["end"], zone),
        }
        for item in items
    ]


class RedeemSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64, help_text="the redeem code, any case")
