from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from luffy.catalog.models import Course
from luffy.common.serializers import datetime_str


class PurchaseSerializer(serializers.Serializer):
    """The documented shape of "my courses", over selectors.purchase_list's rows (the API
    writes them with purchases_data; a test pins that both agree)."""

    course_id = serializers.IntegerField()
    name = serializers.CharField(source="course__name")
    cover = serializers.SerializerMethodField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="null = permanent")
    active = serializers.SerializerMethodField()
    since = serializers.DateTimeField(source="created_at")
    refunded_at = serializers.SerializerMethodField(
        help_text="set when the access ended because its order was refunded (not expired)"
    )

    lessons_total = serializers.IntegerField()
    lessons_done = serializers.IntegerField()
    last_lesson = serializers.SerializerMethodField(help_text="where 继续学习 goes; null: none yet")

    def get_last_lesson(self, purchase) -> dict | None:
        if purchase["last_lesson_id"] is None:
            return None
        return {
            "id": purchase["last_lesson_id"],
            "name": purchase["last_lesson_name"],
            "position": purchase["last_position"],
        }

    def get_cover(self, purchase) -> str | None:
        cover = purchase["course__cover"]
        return Course._meta.get_field("cover").storage.url(cover) if cover else None

    def get_active(self, purchase) -> bool:
        return purchase["expires_at"] is None or purchase["expires_at"] > self.context["now"]

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_refunded_at(self, purchase):
        if purchase["revoked_at"] is None or self.get_active(purchase):
            return None
        return serializers.DateTimeField().to_representation(purchase["revoked_at"])


def purchases_data(purchases: list[dict], *, now: datetime) -> list[dict]:
    """What PurchaseSerializer documents, for selectors.purchase_list's rows, built directly
    (no serializer fields per row on "my courses"); a test pins that both write the same."""
    cover_url = Course._meta.get_field("cover").storage.url
    zone = timezone.get_current_timezone()
    data = []
    for row in purchases:
        expires_at = row["expires_at"]
        active = expires_at is None or expires_at > now
        last_id = row["last_lesson_id"]
        data.append({
            "course_id": row["course_id"],
            "name": row["course__name"],
            "cover": cover_url(row["course__cover"]) if row["course__cover"] else None,
            "expires_at": datetime_str(expires_at, zone),
            "active": active,
            "since": datetime_str(row["created_at"], zone),
            "refunded_at": None if active else datetime_str(row["revoked_at"], zone),
            "lessons_total": row["lessons_total"],
            "lessons_done": row["lessons_done"],
            "last_lesson": None if last_id is None else {
                "id": last_id, "name": row["last_lesson_name"], "position": row["last_position"],
            },
        })  # fmt: skip
    return data


class CourseAccessSerializer(serializers.Serializer):
    active = serializers.BooleanField()
    expires_at = serializers.DateTimeField(allow_null=True, help_text="null = permanent or none")
    expired = serializers.BooleanField(help_text="bought once, access has run out")
    refunded = serializers.BooleanField(help_text="bought once, the purchase was refunded")


class PlaybackSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        ["file", "cloud", "external"],
        help_text="file: the lesson's own file behind `url`, a link signed for this user that"
        " stops working at `expires_at`; cloud: the video cloud's player with `token`;"
        " external: a free trial's public URL",
    )
    url = serializers.CharField(required=False)
    content_type = serializers.CharField(required=False, help_text="video/mp4, application/pdf")
    expires_at = serializers.DateTimeField(required=False, help_text="fetch a new one before")
    provider = serializers.CharField(required=False, help_text="offline or polyv")
    video_id = serializers.CharField(required=False)
    token = serializers.CharField(required=False)


class StudyLessonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    course_id = serializers.IntegerField()
    name = serializers.CharField()
    section_type = serializers.CharField(help_text="doc, exercise or video")
    duration = serializers.IntegerField(help_text="seconds")
    free_trial = serializers.BooleanField()
    playback = PlaybackSerializer(allow_null=True, help_text="null: nothing to play yet (未更新)")
    position = serializers.IntegerField(help_text="seconds; where the user left off")
    done = serializers.BooleanField()


def study_lesson_data(lesson: dict) -> dict:
    """What StudyLessonSerializer documents, for playback.lesson_study_open's dict, written
    directly (the study page opens a lesson on every click; a test pins that both agree)."""
    playback = lesson["playback"]
    if playback and "expires_at" in playback:
        playback = {**playback, "expires_at": datetime_str(playback["expires_at"])}
    return {**lesson, "playback": playback}


class _OptionalBoolean(serializers.BooleanField):
    # A form post without the field means "unchanged", not False (DRF's checkbox rule).
    default_empty_html = serializers.empty


class ProgressInSerializer(serializers.Serializer):
    position = serializers.IntegerField(
        required=False, min_value=0, max_value=24 * 3600, help_text="seconds"
    )
    done = _OptionalBoolean(required=False)

    def validate(self, attrs):
        if not attrs:
            raise serializers.ValidationError(_("Send the position, done, or both."))
        return attrs


class LessonProgressSerializer(serializers.Serializer):
    lesson_id = serializers.IntegerField()
    position = serializers.IntegerField(help_text="seconds")
    done = serializers.BooleanField()
    updated_at = serializers.DateTimeField()


class CourseProgressSerializer(serializers.Serializer):
    course_id = serializers.IntegerField()
    lessons_total = serializers.IntegerField()
    lessons_done = serializers.IntegerField()
    last_lesson_id = serializers.IntegerField(allow_null=True, help_text="for 继续学习")
    lessons = LessonProgressSerializer(many=True)
