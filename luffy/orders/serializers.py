from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from luffy.common.serializers import CountField, IdField
from luffy.orders.models import Order

MONEY = {"max_digits": 10, "decimal_places": 2}


@extend_schema_field(OpenApiTypes.STR)
class PayTypeField(serializers.Field):
    """ "alipay" or "wechat" (or the seed's 1 and 2); anything else: "payment method not
    supported". The gateway the student chose; paying with the other one stays possible."""

    NAMES = {Order.PayType.ALIPAY: "alipay", Order.PayType.WECHAT: "wechat"}

    def to_internal_value(self, data):
        for value, name in self.NAMES.items():
            if data in (name, int(value), str(int(value))):
                return value
        raise serializers.ValidationError(_("payment method not supported"))

    def to_representation(self, value):
        return self.NAMES.get(value, "alipay")


class OrderCreateInputSerializer(serializers.Serializer):
    pay_type = PayTypeField()
    coupon_id = IdField(required=False, allow_null=True)
    credit = CountField(required=False, default=0)
    expected_real_price = serializers.DecimalField(
        **MONEY, required=False, help_text="the total the buyer saw; a difference is reported"
    )


class OrderCreatedSerializer(serializers.Serializer):
    order_number = serializers.CharField()
    real_price = serializers.DecimalField(**MONEY)
    status = serializers.IntegerField()
    pay_deadline = serializers.DateTimeField()
    price_changed = serializers.BooleanField()
    notice = serializers.CharField(allow_null=True)


class OrderLineSerializer(serializers.Serializer):
    course_id = serializers.IntegerField()
    name = serializers.CharField(source="course_name")
    cover = serializers.SerializerMethodField()
    expire_text = serializers.CharField()
    expire_days = serializers.IntegerField(help_text="0 = permanent")
    price = serializers.DecimalField(**MONEY)
    real_price = serializers.DecimalField(**MONEY)
    discount_name = serializers.CharField()

    def get_cover(self, line) -> str | None:
        return line.course.cover.url if line.course.cover else None


class OrderSerializer(serializers.ModelSerializer):
    status_text = serializers.CharField(source="get_status_display")
    lines = OrderLineSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "order_number", "title", "created_at", "status", "status_text", "pay_deadline",
            "paid_at", "total_price", "discounted_price", "coupon_amount", "credit",
            "credit_amount", "real_price", "lines",
        ]  # fmt: skip
        read_only_fields = fields


class OrderListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Order.Status.choices, required=False)
