from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers


class PurchaseSerializer(serializers.Serializer):
    course_id = serializers.IntegerField()
    name = serializers.CharField(source="course.name")
    cover = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="null = permanent")
    active = serializers.SerializerMethodField()
    since = serializers.DateTimeField(source="created_at")
    refunded_at = serializers.SerializerMethodField(
        help_text="set when the access ended because its order was refunded (not expired)"
    )

    def get_cover(self, purchase) -> str | None:
        return purchase.course.cover.url if purchase.course.cover else None

    def get_active(self, purchase) -> bool:
        return purchase.expires_at is None or purchase.expires_at > self.context["now"]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_refunded_at(self, purchase):
        if purchase.revoked_at is None or self.get_active(purchase):
            return None
        return serializers.DateTimeField().to_representation(purchase.revoked_at)


class CourseAccessSerializer(serializers.Serializer):
    active = serializers.BooleanField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="null = permanent or none")
    expired = serializers.BooleanField(help_text="bought once, access has run out")
    refunded = serializers.BooleanField(help_text="bought once, the purchase was refunded")


class StudyLessonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course_id = serializers.IntegerField()
    name = serializers.CharField()
    section_type = serializers.CharField()
    duration = serializers.IntegerField(help_text="seconds")
    free_trial = serializers.BooleanField()
    link = serializers.CharField(help_text="video id or document URL")
