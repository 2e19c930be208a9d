from rest_framework import serializers


class ErrorSerializer(serializers.Serializer):
    """The shape of every API error (documented in the schema)."""

    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )
    retry_after = serializers.IntegerField(required=False, help_text="seconds, for 429")
