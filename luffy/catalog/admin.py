from django.contrib import admin
from django.db import models

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

# Sale rules are checked by the field validator (validate_sale_rule), which every admin form
# runs, so an invalid rule is refused with the parser's message next to the field.


class CourseExpireInline(admin.TabularInline):
    model = CourseExpire
    extra = 0


class CourseChapterInline(admin.TabularInline):
    model = CourseChapter
    extra = 0
    show_change_link = True  # lessons are edited on the chapter page


class CoursePriceDiscountInline(admin.TabularInline):
    model = CoursePriceDiscount
    extra = 0
    autocomplete_fields = ["course"]


class CourseLessonInline(admin.TabularInline):
    model = CourseLesson
    extra = 0
    exclude = ["course"]  # always the chapter's course


@admin.register(CourseCategory)
class CourseCategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "sort_order"]


@admin.register(Teacher)
class TeacherAdmin(admin.ModelAdmin):
    list_display = ["name", "role", "title"]
    search_fields = ["name"]


@admin.register(Course)
class CourseAdmin(admin.ModelAdmin):
    list_display = ["name", "category", "teacher", "status", "level", "price", "students"]
    list_filter = ["status", "level", "category"]
    search_fields = ["name"]
    list_select_related = ["category", "teacher"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [CourseExpireInline, CourseChapterInline]


@admin.register(CourseChapter)
class CourseChapterAdmin(admin.ModelAdmin):
    list_display = ["course", "number", "name"]
    list_select_related = ["course"]
    search_fields = ["name", "course__name"]
    inlines = [CourseLessonInline]

    def save_formset(self, request, form, formset, change):
        for lesson in formset.save(commit=False):
            lesson.course_id = form.instance.course_id
            if not lesson.duration:  # filled from an uploaded MP4 where it can be read
                lesson.duration = lesson_duration_from_file(lesson.media) or lesson.duration
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
    list_display = ["name", "start", "end"]
    inlines = [CoursePriceDiscountInline]


@admin.register(Banner)
class BannerAdmin(admin.ModelAdmin):
    list_display = ["title", "link", "sort_order", "is_show"]
    list_editable = ["sort_order", "is_show"]


@admin.register(Navigation)
class NavigationAdmin(admin.ModelAdmin):
    list_display = ["title", "position", "link", "is_external", "sort_order", "is_show"]
    list_filter = ["position"]
    list_editable = ["sort_order", "is_show"]
