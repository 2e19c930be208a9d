from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from luffy.catalog.media import lesson_storage, validate_lesson_file
from luffy.catalog.pricing import RuleError, parse_rule
from luffy.common.money import MAX_MONEY, money_field


def validate_sale_rule(value: str) -> None:
    try:
        parse_rule(value)
    except RuleError as exc:
        raise ValidationError(str(exc), code="invalid_rule") from exc


class CourseCategory(models.Model):
    name = models.CharField(max_length=64, unique=True)
    sort_order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name_plural = "course categories"

    def __str__(self) -> str:
        return self.name


class Teacher(models.Model):
    class Role(models.IntegerChoices):
        LECTURER = 0, "lecturer"
        MENTOR = 1, "mentor"
        CLASS_TEACHER = 2, "class teacher"

    name = models.CharField(max_length=64)
    role = models.PositiveSmallIntegerField(choices=Role.choices, default=Role.LECTURER)
    title = models.CharField(max_length=64, blank=True)
    signature = models.CharField(max_length=255, blank=True)
    image = models.ImageField(upload_to="teachers/", blank=True)
    brief = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    class Level(models.IntegerChoices):
        BEGINNER = 0, "beginner"
        INTERMEDIATE = 1, "intermediate"
        ADVANCED = 2, "advanced"

    class Status(models.IntegerChoices):
        ONLINE = 0, "online"
        OFFLINE = 1, "offline"
        PRE_LAUNCH = 2, "pre-launch"

    name = models.CharField(max_length=128)
    cover = models.ImageField(upload_to="courses/covers/", blank=True)
    brief = models.TextField(blank=True, help_text="HTML; sanitized when shown")
    level = models.PositiveSmallIntegerField(choices=Level.choices, default=Level.BEGINNER)
    status = models.PositiveSmallIntegerField(
        choices=Status.choices, default=Status.ONLINE, db_index=True
    )
    pub_date = models.DateField(null=True, blank=True)
    period = models.PositiveIntegerField(default=7, help_text="suggested study days")
    category = models.ForeignKey(
        CourseCategory, on_delete=models.PROTECT, related_name="courses", null=True, blank=True
    )
    teacher = models.ForeignKey(
        Teacher, on_delete=models.SET_NULL, related_name="courses", null=True, blank=True
    )
    students = models.PositiveIntegerField(default=0)
    lessons_count = models.PositiveIntegerField(default=0)
    pub_lessons_count = models.PositiveIntegerField(default=0)
    price = money_field(
        default=0, help_text="price of permanent access; 0 means no permanent option"
    )
    video_url = models.URLField(blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="course_price_not_negative"),
            # SQLite does not enforce max_digits: without this a larger price is stored, and
            # every order, cart or list that sums it fails.
            models.CheckConstraint(
                condition=Q(price__lte=MAX_MONEY), name="course_price_at_most_max"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CourseChapter(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="chapters")
    number = models.PositiveSmallIntegerField(default=1)
    name = models.CharField(max_length=128)
    summary = models.TextField(blank=True)

    class Meta:
        ordering = ["course", "number"]
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="chapter_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.number} {self.name}"


class CourseLesson(models.Model):
    class Section(models.IntegerChoices):
        DOC = 0, "doc"
        EXERCISE = 1, "exercise"
        VIDEO = 2, "video"

    chapter = models.ForeignKey(CourseChapter, on_delete=models.CASCADE, related_name="lessons")
    # The chapter's course, copied so list pages can fetch lessons by course in one query.
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="lessons")
    name = models.CharField(max_length=128)
    section_type = models.PositiveSmallIntegerField(choices=Section.choices, default=Section.VIDEO)
    link = models.CharField(max_length=255, blank=True, help_text="video id or document URL")
    # The lesson's own file (MP4/WebM video or PDF), in the private lessons storage: only ever
    # handed out as a signed, short-lived link (luffy.access.playback).
    media = models.FileField(
        upload_to="lessons/%Y/%m/",
        storage=lesson_storage,
        blank=True,
        max_length=255,
        validators=[validate_lesson_file],
        help_text="MP4 / WebM video or PDF document",
    )
    duration = models.PositiveIntegerField(default=0, help_text="seconds")
    free_trial = models.BooleanField(default=False)
    show_on_list = models.BooleanField(default=False)
    order = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["chapter__number", "order", "id"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.chapter_id and self.course_id and self.chapter.course_id != self.course_id:
            raise ValidationError({"chapter": _("The chapter belongs to another course.")})


class CourseExpire(models.Model):
    """A time-limited validity option. Permanent access is the course's own price."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="expire_options")
    days = models.PositiveIntegerField()
    text = models.CharField(max_length=32, help_text="e.g. 1个月有效")
    price = money_field()

    class Meta:
        ordering = ["course", "days"]
        constraints = [
            models.UniqueConstraint(fields=["course", "days"], name="expire_days_unique"),
            models.CheckConstraint(condition=Q(days__gt=0), name="expire_days_positive"),
            models.CheckConstraint(condition=Q(price__gte=0), name="expire_price_not_negative"),
            models.CheckConstraint(
                condition=Q(price__lte=MAX_MONEY), name="expire_price_at_most_max"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.text}"


class DiscountType(models.Model):
    name = models.CharField(max_length=32, unique=True, help_text="e.g. 限时折扣")

    def __str__(self) -> str:
        return self.name


class Discount(models.Model):
    type = models.ForeignKey(DiscountType, on_delete=models.PROTECT, related_name="discounts")
    condition = money_field(default=0, help_text="applies only when the base price reaches this")
    sale = models.TextField(
        blank=True,
        validators=[validate_sale_rule],
        help_text='"" or 0 free · *0.8 multiply · -100 subtract · one 满100-10 tier per line',
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(condition__gte=0), name="discount_condition_not_negative"
            )
        ]

    def __str__(self) -> str:
        rule = " ".join(self.sale.split()) or "free"
        return f"{self.type} ({rule}, from {self.condition})"


class Activity(models.Model):
    name = models.CharField(max_length=128)
    start = models.DateTimeField()
    end = models.DateTimeField()

    class Meta:
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="activity_ends")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The activity must end after it starts.")})


class CoursePriceDiscount(models.Model):
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="price_discounts")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="courses")
    discount = models.ForeignKey(Discount, on_delete=models.PROTECT, related_name="courses")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["course", "activity"], name="one_discount_per_activity")
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.activity} · {self.discount}"


class Banner(models.Model):
    title = models.CharField(max_length=128)
    image = models.ImageField(upload_to="banners/", blank=True)
    link = models.CharField(max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(default=0)
    is_show = models.BooleanField(default=True)

    class Meta:
        ordering = ["sort_order", "id"]

    def __str__(self) -> str:
        return self.title


class Navigation(models.Model):
    class Position(models.TextChoices):
        HEADER = "header"
        FOOTER = "footer"

    position = models.CharField(max_length=8, choices=Position.choices)
    title = models.CharField(max_length=64)
    link = models.CharField(max_length=255)
    is_external = models.BooleanField(default=False)
    sort_order = models.PositiveIntegerField(default=0)
    is_show = models.BooleanField(default=True)

    class Meta:
        ordering = ["position", "sort_order", "id"]

    def __str__(self) -> str:
        return f"{self.position}: {self.title}"
