from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from luffy.catalog.media import lesson_storage, validate_lesson_file
from luffy.catalog.pricing import RuleError, parse_rule
from luffy.common.money import MAX_MONEY, money_field


def validate_sale_rule(value: str) -> None:
    try:
        parse_rule(value)
    except RuleError as exc:
        raise ValidationError(str(exc), code="invalid_rule") from exc


class CourseCategory(models.Model):
    name = models.CharField(_("name"), max_length=64, unique=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("course category")
        verbose_name_plural = _("course categories")

    def __str__(self) -> str:
        return self.name


class Teacher(models.Model):
    class Role(models.IntegerChoices):
        LECTURER = 0, _("lecturer")
        MENTOR = 1, _("mentor")
        CLASS_TEACHER = 2, _("class teacher")

    name = models.CharField(_("name"), max_length=64)
    role = models.PositiveSmallIntegerField(_("role"), choices=Role.choices, default=Role.LECTURER)
    title = models.CharField(_("title"), max_length=64, blank=True)
    signature = models.CharField(_("signature"), max_length=255, blank=True)
    image = models.ImageField(_("photo"), upload_to="teachers/", blank=True)
    brief = models.TextField(_("introduction"), blank=True)

    class Meta:
        verbose_name = _("teacher")
        verbose_name_plural = _("teachers")

    def __str__(self) -> str:
        return self.name


class Course(models.Model):
    class Level(models.IntegerChoices):
        BEGINNER = 0, _("beginner")
        INTERMEDIATE = 1, _("intermediate")
        ADVANCED = 2, _("advanced")

    class Status(models.IntegerChoices):
        ONLINE = 0, _("online")
        OFFLINE = 1, _("offline")
        PRE_LAUNCH = 2, _("pre-launch")
        # A new course: being written, not shown nor sold until it is published
        # (luffy.catalog.services.courses_publish checks it is complete).
        DRAFT = 3, _("draft")

    name = models.CharField(_("name"), max_length=128)
    cover = models.ImageField(_("cover"), upload_to="courses/covers/", blank=True)
    brief = models.TextField(
        _("introduction"), blank=True, help_text=_("HTML; sanitized when shown")
    )
    level = models.PositiveSmallIntegerField(
        _("level"), choices=Level.choices, default=Level.BEGINNER
    )
    status = models.PositiveSmallIntegerField(
        _("status"), choices=Status.choices, default=Status.DRAFT, db_index=True
    )
    pub_date = models.DateField(_("publication date"), null=True, blank=True)
    period = models.PositiveIntegerField(
        _("study period"), default=7, help_text=_("suggested study days")
    )
    category = models.ForeignKey(
        CourseCategory,
        on_delete=models.PROTECT,
        related_name="courses",
        null=True,
        blank=True,
        verbose_name=_("category"),
    )
    teacher = models.ForeignKey(
        Teacher,
        on_delete=models.SET_NULL,
        related_name="courses",
        null=True,
        blank=True,
        verbose_name=_("teacher"),
    )
    # Kept by settlement (F() + 1 per paid course line), never typed: read-only in the admin.
    # The lesson counters are not stored: selectors count the lessons.
    students = models.PositiveIntegerField(_("students"), default=0, editable=False)
    price = money_field(
        verbose_name=_("permanent price"),
        default=0,
        help_text=_("price of permanent access; 0 means no permanent option"),
    )
    video_url = models.URLField(_("trailer video URL"), blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(price__gte=0), name="course_price_not_negative"),
            # SQLite does not enforce max_digits: without this a larger price is stored, and
            # every order, cart or list that sums it fails.
            models.CheckConstraint(
                condition=Q(price__lte=MAX_MONEY), name="course_price_at_most_max"
            ),
        ]
        verbose_name = _("course")
        verbose_name_plural = _("courses")

    def __str__(self) -> str:
        return self.name


class CourseChapter(models.Model):
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="chapters", verbose_name=_("course")
    )
    number = models.PositiveSmallIntegerField(_("chapter number"), default=1)
    name = models.CharField(_("name"), max_length=128)
    summary = models.TextField(_("summary"), blank=True)

    class Meta:
        ordering = ["course", "number"]
        verbose_name = _("chapter")
        verbose_name_plural = _("chapters")
        constraints = [
            models.UniqueConstraint(fields=["course", "number"], name="chapter_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.number} {self.name}"


class CourseLesson(models.Model):
    class Section(models.IntegerChoices):
        DOC = 0, _("document")
        EXERCISE = 1, _("exercise")
        VIDEO = 2, _("video")

    chapter = models.ForeignKey(
        CourseChapter, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("chapter")
    )
    # The chapter's course, copied so list pages can fetch lessons by course in one query.
    course = models.ForeignKey(
        Course, on_delete=models.CASCADE, related_name="lessons", verbose_name=_("course")
    )
    name = models.CharField(_("name"), max_length=128)
    section_type = models.PositiveSmallIntegerField(
        _("lesson type"), choices=Section.choices, default=Section.VIDEO
    )
    link = models.CharField(
        _("link"), max_length=255, blank=True, help_text=_("video id or document URL")
    )
    # The lesson's own file (MP4/WebM video or PDF), in the private lessons storage: only ever
    # handed out as a signed, short-lived link (luffy.access.playback).
    media = models.FileField(
        _("media file"),
        upload_to="lessons/%Y/%m/",
        storage=lesson_storage,
        blank=True,
        max_length=255,
        validators=[validate_lesson_file],
        help_text=_("MP4 / WebM video or PDF document"),
    )
    duration = models.PositiveIntegerField(_("duration"), default=0, help_text=_("seconds"))
    free_trial = models.BooleanField(_("free trial"), default=False)
    show_on_list = models.BooleanField(_("shown on the course list"), default=False)
    order = models.PositiveIntegerField(_("sort order"), default=0)

    class Meta:
        ordering = ["chapter__number", "order", "id"]
        verbose_name = _("lesson")
        verbose_name_plural = _("lessons")

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
        verbose_name=_("course"),
    )
    days = models.PositiveIntegerField(_("valid days"))
    text = models.CharField(_("label"), max_length=32, help_text=_("e.g. 1个月有效"))
    price = money_field(
        verbose_name=_("price"),
    )

    class Meta:
        ordering = ["course", "days"]
        verbose_name = _("validity option")
        verbose_name_plural = _("validity options")
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
    name = models.CharField(_("name"), max_length=32, unique=True, help_text=_("e.g. 限时折扣"))

    class Meta:
        verbose_name = _("discount type")
        verbose_name_plural = _("discount types")

    def __str__(self) -> str:
        return self.name


class Discount(models.Model):
    type = models.ForeignKey(
        DiscountType,
        on_delete=models.PROTECT,
        related_name="discounts",
        verbose_name=_("discount type"),
    )
    condition = money_field(
        verbose_name=_("minimum price"),
        default=0,
        help_text=_("applies only when the base price reaches this"),
    )
    sale = models.TextField(
        _("rule"),
        blank=True,
        validators=[validate_sale_rule],
        help_text=_('"" or 0 free · *0.8 multiply · -100 subtract · one 满100-10 tier per line'),
    )

    class Meta:
        verbose_name = _("discount rule")
        verbose_name_plural = _("discount rules")
        constraints = [
            models.CheckConstraint(
                condition=Q(condition__gte=0), name="discount_condition_not_negative"
            )
        ]

    def __str__(self) -> str:
        rule = " ".join(self.sale.split()) or "0"
        return _("%(type)s (%(rule)s, for prices from %(condition)s)") % {
            "type": self.type,
            "rule": rule,
            "condition": self.condition,
        }


class Activity(models.Model):
    name = models.CharField(_("name"), max_length=128)
    start = models.DateTimeField(_("starts at"))
    end = models.DateTimeField(_("ends at"))

    class Meta:
        verbose_name = _("sale activity")
        verbose_name_plural = _("sale activities")
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
        Course, on_delete=models.CASCADE, related_name="price_discounts", verbose_name=_("course")
    )
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, related_name="courses", verbose_name=_("activity")
    )
    discount = models.ForeignKey(
        Discount, on_delete=models.PROTECT, related_name="courses", verbose_name=_("discount rule")
    )

    class Meta:
        verbose_name = _("course in a sale")
        verbose_name_plural = _("courses in sales")
        constraints = [
            models.UniqueConstraint(fields=["course", "activity"], name="one_discount_per_activity")
        ]

    def __str__(self) -> str:
        return f"{self.course} · {self.activity} · {self.discount}"


class Banner(models.Model):
    title = models.CharField(_("title"), max_length=128)
    image = models.ImageField(_("image"), upload_to="banners/", blank=True)
    link = models.CharField(_("link"), max_length=255, blank=True)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_show = models.BooleanField(_("shown"), default=True)

    class Meta:
        ordering = ["sort_order", "id"]
        verbose_name = _("banner")
        verbose_name_plural = _("banners")

    def __str__(self) -> str:
        return self.title


class Navigation(models.Model):
    class Position(models.TextChoices):
        HEADER = "header", _("header")
        FOOTER = "footer", _("footer")

    position = models.CharField(_("position"), max_length=8, choices=Position.choices)
    title = models.CharField(_("title"), max_length=64)
    link = models.CharField(_("link"), max_length=255)
    is_external = models.BooleanField(_("external link"), default=False)
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)
    is_show = models.BooleanField(_("shown"), default=True)

    class Meta:
        ordering = ["position", "sort_order", "id"]
        verbose_name = _("navigation link")
        verbose_name_plural = _("navigation links")

    def __str__(self) -> str:
        return f"{self.get_position_display()}: {self.title}"
