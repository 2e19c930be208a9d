from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from luffy.catalog.forms import SaleForm
from luffy.catalog.media import lesson_duration_from_file
from luffy.catalog.models import (
    Activity,
    Banner,
    Course,
    CourseCategory,
    CourseChapter,
    CourseExpire,
    CourseLesson,
    CoursePriceDiscount,
    Discount,
    DiscountType,
    Navigation,
    Teacher,
)
from luffy.catalog.selectors import sale_preview, with_lesson_counts
from luffy.catalog.services import courses_publish, courses_unpublish, sale_save

# Sale rules are checked by the field validator (validate_sale_rule), which every admin form
# runs, so an invalid rule is refused with the parser's message next to the field.


class CourseExpireInline(admin.TabularInline):
    model = CourseExpire
    extra = 0


class CourseChapterInline(admin.TabularInline):
    model = CourseChapter
    extra = 0
    show_change_link = True


class CourseLessonForm(forms.ModelForm):
    class Meta:
        model = CourseLesson
        # no course: always the course of the page
        fields = ["chapter", "order", "name", "section_type", "link", "media", "duration"]
        fields += ["free_trial", "show_on_list"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "chapter" in self.fields:  # empty: the course's first chapter (created if none)
            self.fields["chapter"].required = False
            self.fields["chapter"].help_text = _("empty = the first chapter")


class CourseLessonInline(admin.TabularInline):
    """Lessons edited on the course page; the chapter select offers this course's chapters."""

    model = CourseLesson
    form = CourseLessonForm
    extra = 0
    fk_name = "course"

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "chapter":
            course_id = request.resolver_match.kwargs.get("object_id")
            kwargs["queryset"] = CourseChapter.objects.filter(course_id=course_id or 0)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class CourseSalesInline(admin.TabularInline):
    """The sales this course is in: read-only here, set up on the sale page."""

    model = CoursePriceDiscount
    extra = 0
    fields = ["activity", "discount", "activity_start", "activity_end"]
    readonly_fields = fields
    verbose_name = gettext_lazy("sale this course is in")
    verbose_name_plural = gettext_lazy("sales this course is in")
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("activity", "discount__type")

    def has_add_permission(self, request, obj=None):  # no "Add another" on a read-only list
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=gettext_lazy("starts at"))
    def activity_start(self, link):
        return localize(timezone.localtime(link.activity.start))

    @admin.display(description=gettext_lazy("ends at"))
    def activity_end(self, link):
        return localize(timezone.localtime(link.activity.end))


class CoursePriceDiscountInline(admin.TabularInline):
    model = CoursePriceDiscount
    extra = 0
    autocomplete_fields = ["course"]


class CourseLessonOnChapterInline(admin.TabularInline):
    model = CourseLesson
    extra = 0
    exclude = ["course"]  # always the chapter's course


def _fill_lesson_durations(lessons) -> None:
    for lesson in lessons:
        if not lesson.duration:  # filled from an uploaded MP4 where it can be read
            lesson.duration = lesson_duration_from_file(lesson.media) or lesson.duration


@admin.register(CourseCategory)
class CourseCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "title"]
    search_fields = ["name"]


class CourseForm(forms.ModelForm):
    video_url = forms.URLField(
        label=gettext_lazy("trailer video URL"), required=False, assume_scheme="https"
    )
    publish = forms.BooleanField(
        label=gettext_lazy("Publish (put on sale)"),
        required=False,
        help_text=gettext_lazy(
            "Checked after saving: the course needs a cover, at least one lesson and one price."
        ),
    )

    class Meta:
        model = Course
        fields = ["name", "cover", "brief", "level", "status", "pub_date", "period"]
        fields += ["category", "teacher", "price", "video_url"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        online = self.instance.pk and self.instance.status == Course.Status.ONLINE
        if not online and "status" in self.fields:  # only the publish check puts a course online
            self.fields["status"].choices = [
                choice for choice in Course.Status.choices if choice[0] != Course.Status.ONLINE
            ]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    form = CourseForm
    change_form_template = "admin/catalog/course/change_form.html"
    list_display = ["name", "category", "teacher", "status", "level", "price", "students"]
    list_display += ["lessons_count", "pub_lessons_count"]
    list_filter = ["status", "level", "category"]
    search_fields = ["name"]
    list_select_related = ["category", "teacher"]
    readonly_fields = ["students", "lessons_count", "pub_lessons_count"]
    inlines = [CourseExpireInline, CourseChapterInline, CourseLessonInline, CourseSalesInline]
    actions = ["publish", "unpublish"]

    def get_queryset(self, request):
        return with_lesson_counts(super().get_queryset(request))

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        if obj is not None and obj.status == Course.Status.ONLINE:  # nothing to publish
            fields = [name for name in fields if name != "publish"]
        return fields

    @admin.display(description=gettext_lazy("lessons"), ordering="lessons_count")
    def lessons_count(self, course):
        return course.lessons_count

    @admin.display(description=gettext_lazy("published lessons"), ordering="pub_lessons_count")
    def pub_lessons_count(self, course):
        return course.pub_lessons_count

    def save_formset(self, request, form, formset, change):
        if formset.model is not CourseLesson:
            return super().save_formset(request, form, formset, change)
        course = form.instance
        lessons = formset.save(commit=False)
        _fill_lesson_durations(lessons)
        for lesson in lessons:
            lesson.course = course
            if not lesson.chapter_id:
                lesson.chapter = course.chapters.order_by("number").first() or (
                    CourseChapter.objects.create(course=course, number=1, name=_("Chapter 1"))
                )
            lesson.save()
        for lesson in formset.deleted_objects:
            lesson.delete()
        return None

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        request._course_publish_failed = False
        if form.cleaned_data.get("publish"):
            result = courses_publish(course_ids=[form.instance.pk])
            self._report_publish(request, result)
            request._course_publish_failed = bool(result.problems)

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(request, "_course_publish_failed", False):  # stay to complete the course
            return HttpResponseRedirect(reverse("admin:catalog_course_change", args=[obj.pk]))
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if getattr(request, "_course_publish_failed", False):
            return HttpResponseRedirect(request.path)
        return super().response_change(request, obj)

    def _report_publish(self, request, result) -> None:
        if result.published:
            self.message_user(
                request,
                ngettext(
                    "%(count)d course is online.", "%(count)d courses are online.",
                    len(result.published),
                ) % {"count": len(result.published)},
                messages.SUCCESS,
            )  # fmt: skip
        for name, missing in result.problems.values():
            self.message_user(
                request,
                _("“%(name)s” stays unpublished: %(missing)s")
                % {"name": name, "missing": " ".join(missing)},
                messages.ERROR,
            )

    @admin.action(
        description=gettext_lazy("Publish the selected courses (checks cover, lessons, price)")
    )
    def publish(self, request, queryset):
        self._report_publish(
            request, courses_publish(course_ids=queryset.values_list("id", flat=True))
        )

    @admin.action(description=gettext_lazy("Take the selected courses off sale"))
    def unpublish(self, request, queryset):
        count = courses_unpublish(course_ids=queryset.values_list("id", flat=True))
        self.message_user(
            request,
            ngettext(
                "%(count)d course is offline.", "%(count)d courses are offline.", count
            ) % {"count": count},
            messages.SUCCESS,
        )  # fmt: skip


@admin.register(CourseChapter)
class CourseChapterAdmin(admin.ModelAdmin):
    list_display = ["course", "number", "name"]
    list_select_related = ["course"]
    search_fields = ["name", "course__name"]
    inlines = [CourseLessonOnChapterInline]

    def save_formset(self, request, form, formset, change):
        lessons = formset.save(commit=False)
        _fill_lesson_durations(lessons)
        for lesson in lessons:
            lesson.course_id = form.instance.course_id
            lesson.save()
        for lesson in formset.deleted_objects:
            lesson.delete()


@admin.register(CourseLesson)
class CourseLessonAdmin(admin.ModelAdmin):
    list_display = ["name", "course", "chapter", "section_type", "free_trial", "show_on_list"]
    list_filter = ["section_type", "free_trial", "show_on_list"]
    list_select_related = ["course", "chapter__course"]
    search_fields = ["name", "course__name"]


@admin.register(DiscountType)
class DiscountTypeAdmin(admin.ModelAdmin):
    list_display = ["name"]


@admin.register(Discount)
class DiscountAdmin(admin.ModelAdmin):
    list_display = ["__str__", "type", "condition", "sale"]
    list_select_related = ["type"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    """A sale is added and changed in one form (SaleForm: courses, time, rule, preview); an
    activity whose courses have different rules keeps the row-by-row form."""

    list_display = ["name", "start", "end", "course_count"]
    inlines = [CoursePriceDiscountInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(course_count=Count("courses"))

    @admin.display(description=gettext_lazy("courses"), ordering="course_count")
    def course_count(self, activity):
        return activity.course_count

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        return self._sale_view(request, None, None)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        activity = self.get_object(request, object_id)
        if activity is None or request.GET.get("rows"):  # ?rows=1: the row-by-row form
            return super().change_view(request, object_id, form_url, extra_context)
        initial = SaleForm.initial_for(activity)
        if initial is None:
            return super().change_view(request, object_id, form_url, extra_context)
        return self._sale_view(request, activity, initial)

    def _sale_view(self, request, activity, initial):
        can_save = (
            self.has_change_permission(request, activity)
            if activity
            else self.has_add_permission(request)
        )
        form = SaleForm(request.POST or None, initial=initial)
        preview = None
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            if "_save" in request.POST and can_save:
                saved = sale_save(
                    activity=activity,
                    name=data["name"],
                    label=data["label"],
                    course_ids=[course.id for course in data["courses"]],
                    start=data["start"],
                    end=data["end"],
                    rule=data["rule"],
                    condition=data["condition"],
                )
                if activity is None:
                    self.log_addition(request, saved, [{"added": {}}])
                else:
                    self.log_change(request, saved, [{"changed": {}}])
                self.message_user(
                    request,
                    _("The sale “%(name)s” is saved.") % {"name": saved.name},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:catalog_activity_changelist"))
            preview = sale_preview(
                course_ids=[course.id for course in data["courses"]],
                offer=data["offer"],
                exclude_activity_id=activity.id if activity else None,
            )
        title = _("Change the sale") if activity else _("Add a time-limited sale")
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "opts": self.model._meta,
            "original": activity,
            "form": form,
            "media": self.media + form.media,
            "preview": preview,
            "can_save": can_save,
            "rule_fields": {"discount": "percent", "amount": "amount", "tiers": "tiers"},
        }
        return TemplateResponse(request, "admin/catalog/activity/sale_form.html", context)


@admin.register(Banner)
class BannerAdmin(admin.ModelAdmin):
    list_display = ["title", "link", "sort_order", "is_show"]
    list_editable = ["sort_order", "is_show"]


@admin.register(Navigation)
class NavigationAdmin(admin.ModelAdmin):
    list_display = ["title", "position", "link", "is_external", "sort_order", "is_show"]
    list_filter = ["position"]
    list_editable = ["sort_order", "is_show"]
