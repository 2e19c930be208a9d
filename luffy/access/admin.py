from django.contrib import admin

from luffy.access.models import CoursePurchase, LessonProgress


@admin.register(CoursePurchase)
class CoursePurchaseAdmin(admin.ModelAdmin):
    list_display = ["user", "course", "expires_at", "order", "updated_at"]
    list_select_related = ["user", "course", "order"]
    search_fields = ["user__username", "user__mobile", "course__name"]
    raw_id_fields = ["user", "course", "order"]


@admin.register(LessonProgress)
class LessonProgressAdmin(admin.ModelAdmin):
    """Read-only: students write their progress by studying."""

    list_display = ["user", "course", "lesson", "position", "done", "updated_at"]
    list_select_related = ["user", "course", "lesson"]
    list_filter = ["done"]
    search_fields = ["user__username", "user__mobile", "course__name"]
    raw_id_fields = ["user", "course", "lesson"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False
