from rest_framework import serializers

from luffy.common.serializers import MoneyField


class PayUrlQuerySerializer(serializers.Serializer):
    order_number = serializers.CharField(max_length=64)


class PayUrlSerializer(serializers.Serializer):
    url = serializers.URLField()


class ResultCourseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PaymentResultSerializer(serializers.Serializer):
    order_number = serializers.CharField()
    pay_time = serializers.DateTimeField()
    real_price = MoneyField()
    user_credit = serializers.IntegerField()
    course_list = ResultCourseSerializer(many=True)


class ReturnParamsSerializer(serializers.Serializer):
    """The return redirect's required parameters (the rest are covered by the signature)."""

    out_trade_no = serializers.CharField(max_length=64)
    trade_no = serializers.CharField(max_length=64)
    total_amount = serializers.CharField(max_length=16)
    sign = serializers.CharField()
