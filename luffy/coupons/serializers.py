from rest_framework import serializers

from luffy.common.serializers import MoneyField


class CouponListQuerySerializer(serializers.Serializer):
    usable_for = serializers.ChoiceField(
        choices=["selected"],
        required=False,
        help_text="judge each coupon against the selected cart lines",
    )


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
    discount = MoneyField(allow_null=True, help_text="off the selected total")


class CouponListSerializer(serializers.Serializer):
    total = MoneyField(allow_null=True, help_text="selected cart total")
    coupons = UserCouponSerializer(many=True)
