from rest_framework import serializers

from luffy.common.serializers import MoneyField


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


class RedeemSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=64, help_text="the redeem code, any case")
