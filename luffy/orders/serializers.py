"""Output shapes of the study endpoints (documentation; the views return the selectors' dicts)."""

from rest_framework import serializers


class CourseAccessSerializer(serializers.Serializer):
    active = serializers.BooleanField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="null = permanent or none")
    expired = serializers.BooleanField(help_text="bought once, access has run out")


class StudyLessonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course_id = serializers.IntegerField()
    name = serializers.CharField()
    section_type = serializers.CharField()
    duration = serializers.IntegerField(help_text="seconds")
    free_trial = serializers.BooleanField()
    link = serializers.CharField(help_text="video id or document URL")
