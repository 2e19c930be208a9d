from rest_framework import serializers

from luffy.common.money import money_column_str
from luffy.common.serializers import MoneyField, datetime_str


class PayUrlQuerySerializer(serializers.Serializer):
    order_number = serializers.CharField(max_length=64)
    pay_type = serializers.ChoiceField(
        choices=["alipay", "wechat"], default="alipay", help_text="the gateway to pay with"
    )
    channel = serializers.ChoiceField(
        choices=["native", "h5"],
        default="native",
        help_text="WeChat Pay only: native (a QR code, desktop) or h5 (a phone browser)",
    )


class PayUrlSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="the cashier URL, or WeChat Pay's code_url or h5_url")
    pay_type = serializers.CharField()
    qr_code = serializers.CharField(
        allow_blank=True, help_text="WeChat Pay native: the code_url as an SVG data: URI"
    )
    sandbox_scan_url = serializers.CharField(
        allow_blank=True, help_text="offline sandbox only: where a click simulates the scan"
    )


class ResultCourseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PaymentResultSerializer(serializers.Serializer):
    order_number = serializers.CharField()
    pay_time = serializers.DateTimeField()
    real_price = MoneyField()
    user_credit = serializers.IntegerField()
    course_list = ResultCourseSerializer(many=True)


def payment_result_data(summary: dict) -> dict:
    """What PaymentResultSerializer documents, for selectors.payment_result_summary's dict,
    written directly (the QR code page polls it; a test pins that both agree)."""
    return {
        **summary,
        "pay_time": datetime_str(summary["pay_time"]),
        "real_price": money_column_str(summary["real_price"]),
    }


class ReturnParamsSerializer(serializers.Serializer):
    """The return redirect's required parameters (the rest are covered by the signature)."""

    out_trade_no = serializers.CharField(max_length=64)
    trade_no = serializers.CharField(max_length=64)
    total_amount = serializers.CharField(max_length=16)
    sign = serializers.CharField()


class WechatResultQuerySerializer(serializers.Serializer):
    order_number = serializers.CharField(max_length=64)
