from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from luffy.catalog.models import Course
from luffy.common.money import money_column_str as money
from luffy.common.serializers import CountField, IdField, MoneyField, datetime_str
from luffy.orders.models import Order


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
    expected_real_price = MoneyField(
        required=False, help_text="the total the buyer saw; a difference is reported"
    )


class OrderCreatedSerializer(serializers.Serializer):
    order_number = serializers.CharField()
    real_price = MoneyField()
    status = serializers.IntegerField()
    pay_deadline = serializers.DateTimeField()
    price_changed = serializers.BooleanField()
    notice = serializers.CharField(allow_null=True)


class CheckoutPreviewInputSerializer(serializers.Serializer):
    coupon_id = IdField(required=False, allow_null=True, help_text="omit or null: no coupon")
    credit = CountField(required=False, default=0, help_text="credit points to use")


class CheckoutLineSerializer(serializers.Serializer):
    course_id = serializers.IntegerField()
    name = serializers.CharField(source="course_name")
    cover = serializers.CharField(allow_null=True)
    expire_id = serializers.IntegerField(help_text="0 = permanent access")
    expire_text = serializers.CharField()
    expire_days = serializers.IntegerField(help_text="0 = permanent")
    price = MoneyField()
    real_price = MoneyField(help_text="after the running sale")
    discount_name = serializers.CharField(allow_null=True)
    renews_until = serializers.DateTimeField(
        allow_null=True,
        help_text="a renewal (续期): the buyer's access ends then and the days are added to it",
    )


class CouponOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="use as coupon_id")
    name = serializers.CharField()
    type = serializers.CharField()
    sale = serializers.CharField()
    min_amount = MoneyField()
    end = serializers.DateTimeField(allow_null=True, help_text="null = never expires")
    saving = MoneyField(help_text="what it takes off this checkout")


class CheckoutQuoteSerializer(serializers.Serializer):
    """The server's breakdown of checking out the selected cart lines: what the page shows and
    what POST /api/orders/ charges for the same coupon_id and credit."""

    lines = CheckoutLineSerializer(many=True)
    total_price = MoneyField(help_text="the base prices")
    sale_amount = MoneyField(help_text="taken off by running sales")
    discounted_price = MoneyField(help_text="after the running sales")
    coupons = CouponOptionSerializer(
        many=True, help_text="the coupons usable on this checkout, the best first"
    )
    best_coupon_id = serializers.IntegerField(
        allow_null=True, help_text="the coupon that saves most; the page preselects it"
    )
    coupon_id = serializers.IntegerField(allow_null=True, help_text="the coupon applied")
    coupon_amount = MoneyField()
    credit_balance = serializers.IntegerField()
    credit_per_yuan = serializers.IntegerField()
    max_credit = serializers.IntegerField(help_text="the most points usable on this checkout")
    max_credit_amount = MoneyField(help_text="what max_credit is worth")
    credit = serializers.IntegerField(help_text="the points applied")
    credit_amount = MoneyField()
    real_price = MoneyField(help_text="to pay; send it back as expected_real_price")


class OrderLineSerializer(serializers.Serializer):
    course_id = serializers.IntegerField()
    name = serializers.CharField(source="course_name")
    cover = serializers.SerializerMethodField()
    expire_text = serializers.CharField()
    expire_days = serializers.IntegerField(help_text="0 = permanent")
    price = MoneyField()
    real_price = MoneyField()
    discount_name = serializers.CharField()

    def get_cover(self, line) -> str | None:
        return line.course.cover.url if line.course.cover else None


class OrderSerializer(serializers.ModelSerializer):
    status_text = serializers.CharField(source="get_status_display")
    sale_amount = MoneyField(help_text="taken off by running sales")
    lines = OrderLineSerializer(many=True)

    class Meta:
        model = Order
        fields = [
            "order_number", "title", "created_at", "status", "status_text", "pay_deadline",
            "paid_at", "total_price", "sale_amount", "discounted_price", "coupon_amount", "credit",
            "credit_amount", "real_price", "refunded_amount", "refunded_at", "lines",
        ]  # fmt: skip
        read_only_fields = fields


def orders_data(orders: list[dict]) -> list[dict]:
    """What OrderSerializer writes, for order rows with their lines (the selectors'
    order_rows_with_lines), built directly: no serializer fields and no model instances on the
    hot "my orders" path. OrderSerializer stays the documented shape; a test pins that both
    write the same JSON."""
    status_texts = {value: str(label) for value, label in Order.Status.choices}
    zone = timezone.get_current_timezone()
    cover_url = Course._meta.get_field("cover").storage.url
    covers: dict[str, str] = {}  # one URL per course, however many lines show it

    def cover(name: str) -> str | None:
        if not name:
            return None
        if name not in covers:
            covers[name] = cover_url(name)
        return covers[name]

    return [
        {
            "order_number": order["order_number"],
            "title": order["title"],
            "created_at": datetime_str(order["created_at"], zone),
            "status": order["status"],
            "status_text": status_texts[order["status"]],
            "pay_deadline": datetime_str(order["pay_deadline"], zone),
            "paid_at": datetime_str(order["paid_at"], zone),
            "total_price": money(order["total_price"]),
            "sale_amount": money(order["total_price"] - order["discounted_price"]),
            "discounted_price": money(order["discounted_price"]),
            "coupon_amount": money(order["coupon_amount"]),
            "credit": order["credit"],
            "credit_amount": money(order["credit_amount"]),
            "real_price": money(order["real_price"]),
            "refunded_amount": money(order["refunded_amount"]),
            "refunded_at": datetime_str(order["refunded_at"], zone),
            "lines": [
                {
                    "course_id": line["course_id"],
                    "name": line["course_name"],
                    "cover": cover(line["course__cover"]),
                    "expire_text": line["expire_text"],
                    "expire_days": line["expire_days"],
                    "price": money(line["price"]),
                    "real_price": money(line["real_price"]),
                    "discount_name": line["discount_name"],
                }
                for line in order["lines"]
            ],
        }
        for order in orders
    ]


class OrderListQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Order.Status.choices, required=False)


class PutBackLineSerializer(serializers.Serializer):
    course_id = serializers.IntegerField()
    name = serializers.CharField()


class PutBackAddedSerializer(PutBackLineSerializer):
    expire_id = serializers.IntegerField(help_text="the validity option now in the cart")
    option_changed = serializers.BooleanField(
        help_text="the order's option is no longer offered: the course's default was chosen"
    )


class PutBackSkippedSerializer(PutBackLineSerializer):
    reason = serializers.ChoiceField(choices=["owned", "off_sale", "cart_full"])
    reason_text = serializers.CharField()


class PutBackSerializer(serializers.Serializer):
    added = PutBackAddedSerializer(many=True)
    skipped = PutBackSkippedSerializer(many=True)
    cart_num = serializers.IntegerField(help_text="lines in the cart now")
