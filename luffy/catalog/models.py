from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from luffy.catalog.media import lesson_storage, validate_lesson_file
from luffy.catalog.pricing import RuleError, parse_rule
from luffy.common.money import MAX_MONEY

MONEY = {"max_digits": 10, "decimal_places": 2}


def validate_sale_rule(value: str) -> None:
    try:
        parse_rule(value)
    except RuleError as exc:
        raise ValidationError(str(exc), code="invalid_rule") from exc


class CourseCategory(models.Model):
    name = models.CharField(_l("name"), max_length=64, unique=True)
    sort_order = models.PositiveIntegerField(_l("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _l("course category")
        verbose_name_plural = _l("course categories")

    def __str__(self) -> str:
        return self.name


class Teacher(models.Model):
    class Role(models.IntegerChoices):
        LECTURER = 0, _l("lecturer")
        MENTOR = 1, _l("mentor")
        CLASS_TEACHER = 2, _l("class teacher")

    name = models.CharField(_l("name"), max_length=64)
    role = models.PositiveSmallIntegerField(_l("role"), choices=Role.choices, default=Role.LECTURER)
    title = models.CharField(_l("title"), max_length=64, blank=True)
    signature = models.CharField(_l("signature"), max_length=255, blank=True)
    image = models.ImageField(_l("photo"), upload_to="teachers/", blank=True)
    brief = models.TextField(_l("introduction"), blank=True)

    class Meta:
        verbose_name = _l("teacher")
        verbose_name_plural = _l("teachers")

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    class Level(models.IntegerChoices):
        BEGINNER = 0, _l("beginner")
        INTERMEDIATE = 1, _l("intermediate")
        ADVANCED = 2, _l("advanced")

    class Status(models.IntegerChoices):
        ONLINE = 0, _l("online")
        OFFLINE = 1, _l("offline")
        PRE_LAUNCH = 2, _l("pre-launch")
        # A new course: being written, not shown nor sold until it is published
        # (luffy.catalog.services.courses_publish checks it is complete).
        DRAFT = 3, _l("draft")

    name = models.CharField(_l("name"), max_length=128)
    cover = models.ImageField(_l("cover"), upload_to="courses/covers/", blank=True)
    brief = models.TextField(
        _l("introduction"), blank=True, help_text=_l("HTML; sanitized when shown")
    )
    level = models.PositiveSmallIntegerField(
        _l("level"), choices=Level.choices, default=Level.BEGINNER
    )
    status = models.PositiveSmallIntegerField(
        _l("status"), choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    pub_date = models.DateField(_l("publication date"), null=True, blank=True)
    period = models.PositiveIntegerField(
        _l("study period"), default=7, help_text=_l("suggested study days")
    )
    category = models.ForeignKey(
        CourseCategory,
        on_delete=models.PROTECT,
        related_name="courses",
        null=True,
        blank=True,
        verbose_name=_l("category"),
    )
    teacher = models.ForeignKey(
        Teacher,
        on_delete=models.SET_NULL,
        related_name="courses",
        null=True,
        blank=True,
        verbose_name=_l("teacher"),
    )
    # Kept by settlement (F() + 1 per paid course line), never typed: read-only in the admin.
    # The lesson counters are not stored: selectors count the lessons.
    students = models.PositiveIntegerField(_l("students"), default=0, editable=False)
    price = models.DecimalField(
        _l("permanent price"),
        **MONEY,
        default=0,
        help_text=_l("price of permanent access; 0 means no permanent option"),
    )
    video_url = models.URLField(_l("trailer video URL"), blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="course_price_not_negative"),
            # SQLite does not enforce max_digits: without this a larger price is stored, and
            # every order, cart or list that sums it fails.
            models.CheckConstraint(
                condition=Q(price__lte=MAX_MONEY), name="course_price_at_most_max"
            ),
        ]
        verbose_name = _l("course")
        verbose_name_plural = _l("courses")

    def __str__(self) -> str:
        return self.name


class CourseChapter(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="chapters", verbose_name=_l("course")
    )
    number = models.PositiveSmallIntegerField(_l("chapter number"), default=1)
    name = models.CharField(_l("name"), max_length=128)
    summary = models.TextField(_l("summary"), blank=True)

    class Meta:
        ordering = ["course", "number"]
        verbose_name = _l("chapter")
        verbose_name_plural = _l("chapters")
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="chapter_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.number} {self.name}"


class CourseLesson(models.Model):
    class Section(models.IntegerChoices):
        DOC = 0, _l("document")
        EXERCISE = 1, _l("exercise")
        VIDEO = 2, _l("video")

    chapter = models.ForeignKey(
        CourseChapter, on_delete=models.CASCADE, related_name="lessons", verbose_name=_l("chapter")
    )
    # The chapter's course, copied so list pages can fetch lessons by course in one query.
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lessons", verbose_name=_l("course")
    )
    name = models.CharField(_l("name"), max_length=128)
    section_type = models.PositiveSmallIntegerField(
        _l("lesson type"), choices=Section.choices, default=Section.VIDEO
    )
    link = models.CharField(
        _l("link"), max_length=255, blank=True, help_text=_l("video id or document URL")
    )
    # The lesson's own file (MP4/WebM video or PDF), in the private lessons storage: only ever
    # handed out as a signed, short-lived link (luffy.access.playback).
    media = models.FileField(
        _l("media file"),
        upload_to="lessons/%Y/%m/",
        storage=lesson_storage,
        blank=True,
        max_length=255,
        validators=[validate_lesson_file],
        help_text=_l("MP4 / WebM video or PDF document"),
    )
    duration = models.PositiveIntegerField(_l("duration"), default=0, help_text=_l("seconds"))
    free_trial = models.BooleanField(_l("free trial"), default=False)
    show_on_list = models.BooleanField(_l("shown on the course list"), default=False)
    order = models.PositiveIntegerField(_l("order"), default=0)

    class Meta:
        ordering = ["chapter__number", "order", "id"]
        verbose_name = _l("lesson")
        verbose_name_plural = _l("lessons")

    def __str__(self) -> str:
        return self.name

    # A lesson is published (counted in "已更新 N 课时") once it has material to study.
    PUBLISHED = ~Q(link="") | ~Q(media="")

    @property
    def is_published(self) -> bool:
        return bool(self.link or self.media)

    def clean(self) -> None:
        if self.chapter_id and self.course_id and self.chapter.course_id != self.course_id:
            raise ValidationError({"chapter": _("The chapter belongs to another course.")})


class CourseExpire(models.Model):
    """A time-limited validity option. Permanent access is the course's own price."""

    course = models.ForeignKey(
        Course,
        on_delete=models.CASCADE,
        related_name="expire_options",
        verbose_name=_l("course"),
    )
    days = models.PositiveIntegerField(_l("valid days"))
    text = models.CharField(_l("label"), max_length=32, help_text=_l("e.g. 1个月有效"))
    price = models.DecimalField(_l("price"), **MONEY)

    class Meta:
        ordering = ["course", "days"]
        verbose_name = _l("validity option")
        verbose_name_plural = _l("validity options")
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
    name = models.CharField(_l("name"), max_length=32, unique=True, help_text=_l("e.g. 限时折扣"))

    class Meta:
        verbose_name = _l("discount type")
        verbose_name_plural = _l("discount types")

    def __str__(self) -> str:
        return self.name


class Discount(models.Model):
    type = models.ForeignKey(
        DiscountType,
        on_delete=models.PROTECT,
        related_name="discounts",
        verbose_name=_l("discount type"),
    )
    condition = models.DecimalField(
        _l("minimum price"),
        **MONEY,
        default=0,
        help_text=_l("applies only when the base price reaches this"),
    )
    sale = models.TextField(
        _l("rule"),
        blank=True,
        validators=[validate_sale_rule],
        help_text=_l('"" or 0 free · *0.8 multiply · -100 subtract · one 满100-10 tier per line'),
    )

    class Meta:
        verbose_name = _l("discount rule")
        verbose_name_plural = _l("discount rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(condition__gte=0), name="discount_condition_not_negative"
            )
        ]

    def __str__(self) -> str:
        rule = " ".join(self.sale.split()) or "free"
        return f"{self.type} ({rule}, from {self.condition})"


class Activity(models.Model):
    name = models.CharField(_l("name"), max_length=128)
    start = models.DateTimeField(_l("starts at"))
    end = models.DateTimeField(_l("ends at"))

    class Meta:
        verbose_name = _l("sale activity")
        verbose_name_plural = _l("sale activities")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="activity_ends")
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": _("The activity must end after it starts.")})


class CoursePriceDiscount(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="price_discounts", verbose_name=_l("course")
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="courses", verbose_name=_l("activity")
    )
    discount = models.ForeignKey(
        Discount, on_delete=models.PROTECT, related_name="courses", verbose_name=_l("discount rule")
    )

    class Meta:
        verbose_name = _l("course in a sale")
        verbose_name_plural = _l("courses in sales")
        constraints = [
            models.UniqueConstraint(fields=["course", "activity"], name="one_discount_per_activity")
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.activity} · {self.discount}"


class Banner(models.Model):
    title = models.CharField(_l("title"), max_length=128)
    image = models.ImageField(_l("image"), upload_to="banners/", blank=True)
    link = models.CharField(_l("link"), max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(_l("sort order"), default=0)
    is_show = models.BooleanField(_l("shown"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _l("banner")
        verbose_name_plural = _l("banners")

    def __str__(self) -> str:
        return self.title


class Navigation(models.Model):
    class Position(models.TextChoices):
        HEADER = "header", _l("header")
        FOOTER = "footer", _l("footer")

    position = models.CharField(_l("position"), max_length=8, choices=Position.choices)
    title = models.CharField(_l("title"), max_length=64)
    link = models.CharField(_l("link"), max_length=255)
    is_external = models.BooleanField(_l("external link"), default=False)
    sort_order = models.PositiveIntegerField(_l("sort order"), default=0)
    is_show = models.BooleanField(_l("shown"), default=True)

    class Meta:
        ordering = ["position", "sort_order", "id"]
        verbose_name = _l("navigation link")
        verbose_name_plural = _l("navigation links")

    def __str__(self) -> str:
        return f"{self.position}: {self.title}"
