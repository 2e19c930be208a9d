from rest_framework import serializers

from luffy.catalog.serializers import ExpireOptionSerializer
from luffy.common.serializers import IdField, MoneyField


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
    price = MoneyField(allow_null=True)
    real_price = MoneyField(allow_null=True)
    discount_name = serializers.CharField(allow_null=True)
    selected = serializers.BooleanField()
    available = serializers.BooleanField()
    unavailable_reason = serializers.CharField(allow_null=True)


class CartSerializer(serializers.Serializer):
    lines = CartLineSerializer(many=True)
    cart_num = serializers.IntegerField()
    selected_count = serializers.IntegerField()
    total_price = MoneyField()
    total_real_price = MoneyField()


class SelectedLineSerializer(serializers.Serializer):
    course_id = serializers.IntegerField()
    name = serializers.CharField()
    cover = serializers.CharField(allow_null=True)
    expire_id = serializers.IntegerField()
    expire_text = serializers.CharField()
    price = MoneyField()
    real_price = MoneyField()
    discount_name = serializers.CharField(allow_null=True)


class CartSelectedSerializer(serializers.Serializer):
    lines = SelectedLineSerializer(many=True)
    count = serializers.IntegerField()
    total_price = MoneyField()
    total_real_price = MoneyField()
