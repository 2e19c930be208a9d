"""Input checks and output shapes of the catalog API. Money goes out as strings, e.g. "12.50"."""

from django.conf import settings
from rest_framework import serializers

from luffy.catalog.models import Navigation
from luffy.catalog.selectors import ORDERINGS
from luffy.common.serializers import CountField, IdField, MoneyField


class NavQuerySerializer(serializers.Serializer):
    position = serializers.ChoiceField(
        choices=Navigation.Position.values, default=Navigation.Position.HEADER
    )


class CourseListQuerySerializer(serializers.Serializer):
    category = IdField(required=False, source="category_id")
    ordering = serializers.ChoiceField(choices=list(ORDERINGS), default="id")
    page = CountField(min_value=1, default=1)
    size = serializers.IntegerField(
        min_value=1,
        max_value=settings.CATALOG_MAX_PAGE_SIZE,
        default=settings.CATALOG_PAGE_SIZE,
    )
    free = serializers.BooleanField(default=False, help_text="only free courses")
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="search words: each must appear in the course, teacher or category name",
    )


class BannerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    image = serializers.CharField(allow_null=True)
    link = serializers.CharField()


class NavSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    link = serializers.CharField()
    is_external = serializers.BooleanField()


class CategorySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class TeacherSerializer(serializers.Serializer):
    name = serializers.CharField()
    title = serializers.CharField()
    signature = serializers.CharField()


class TeacherDetailSerializer(TeacherSerializer):
    role = serializers.CharField()
    brief = serializers.CharField()
    image = serializers.CharField(allow_null=True)


class LessonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    section_type = serializers.CharField(help_text="doc, exercise or video")
    duration = serializers.IntegerField(help_text="seconds")
    free_trial = serializers.BooleanField()
    link = serializers.CharField(allow_null=True, help_text="only for free trial lessons")
    published = serializers.BooleanField(
        default=True, help_text="false: nothing to watch yet (未更新)"
    )
    order = serializers.IntegerField()


class CourseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    cover = serializers.CharField(allow_null=True)
    students = serializers.IntegerField()
    lessons_count = serializers.IntegerField()
    pub_lessons_count = serializers.IntegerField()
    price = MoneyField(help_text="permanent access, or the cheapest validity option if none")
    real_price = MoneyField(help_text="price now, after the running discount")
    discount_name = serializers.CharField(allow_null=True)
    discount_seconds_left = serializers.IntegerField(
        allow_null=True, help_text="seconds until the running discount ends"
    )
    teacher = TeacherSerializer(allow_null=True)
    list_lessons = LessonSerializer(many=True)


class CoursePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = CourseSerializer(many=True)


class ExpireOptionSerializer(serializers.Serializer):
    id = serializers.IntegerField(help_text="0 = permanent access")
    text = serializers.CharField()
    days = serializers.IntegerField(help_text="0 = permanent")
    price = MoneyField()
    real_price = MoneyField()
    discount_name = serializers.CharField(
        allow_null=True, required=False, help_text="the sale this option's price is under, if any"
    )


class ChapterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()
    summary = serializers.CharField()
    lessons = LessonSerializer(many=True)


class CourseDetailSerializer(CourseSerializer):
    teacher = TeacherDetailSerializer(allow_null=True)
    video_url = serializers.CharField()
    level = serializers.CharField()
    period = serializers.IntegerField()
    pub_date = serializers.DateField(allow_null=True)
    brief_html = serializers.CharField(help_text="sanitized HTML")
    expire_options = ExpireOptionSerializer(many=True)
    chapters = ChapterSerializer(many=True)
