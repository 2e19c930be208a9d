from rest_framework import serializers

from luffy.catalog.serializers import ExpireOptionSerializer
from luffy.common.serializers import IdField

MONEY = {"max_digits": 10, "decimal_places": 2, "coerce_to_string": True}


class CartAddInputSerializer(serializers.Serializer):
    course_id = IdField()
    expire_id = IdField(
        min_value=0, required=False, help_text="0 = permanent; default: permanent, else shortest"
    )


class CartLineUpdateInputSerializer(serializers.Serializer):
    selected = serializers.BooleanField(required=False)
    expire_id = IdField(min_value=0, required=False)


class CartSelectAllInputSerializer(serializers.Serializer):
    selected = serializers.BooleanField()


class CartCountSerializer(serializers.Serializer):
    cart_num = serializers.IntegerField()


class CartLineSerializer(serializers.Serializer):
    course_id = serializers.IntegerField()
    name = serializers.CharField()
    cover = serializers.CharField(allow_null=True)
    expire_id = serializers.IntegerField()
    expire_text = serializers.CharField(allow_null=True)
    expire_options = ExpireOptionSerializer(many=True)
    price = serializers.DecimalField(**MONEY, allow_null=True)
    real_price = serializers.DecimalField(**MONEY, allow_null=True)
    discount_name = serializers.CharField(allow_null=True)
    selected = serializers.BooleanField()
    available = serializers.BooleanField()
    unavailable_reason = serializers.CharField(allow_null=True)


class CartSerializer(serializers.Serializer):
    lines = CartLineSerializer(many=True)
    cart_num = serializers.IntegerField()
    selected_count = serializers.IntegerField()
    total_price = serializers.DecimalField(**MONEY)
    total_real_price = serializers.DecimalField(**MONEY)


class SelectedLineSerializer(serializers.Serializer):
    course_id = serializers.IntegerField()
    name = serializers.CharField()
    cover = serializers.CharField(allow_null=True)
    expire_id = serializers.IntegerField()
    expire_text = serializers.CharField()
    price = serializers.DecimalField(**MONEY)
    real_price = serializers.DecimalField(**MONEY)
    discount_name = serializers.CharField(allow_null=True)


class CartSelectedSerializer(serializers.Serializer):
    lines = SelectedLineSerializer(many=True)
    count = serializers.IntegerField()
    total_price = serializers.DecimalField(**MONEY)
    total_real_price = serializers.DecimalField(**MONEY)
