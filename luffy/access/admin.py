from django.contrib import admin
from unfold.admin import ModelAdmin

from luffy.access.models import CoursePurchase


@admin.register(CoursePurchase)
class CoursePurchaseAdmin(ModelAdmin):
    list_display = ["user", "course", "expires_at", "order", "updated_at"]
    list_select_related = ["user", "course", "order"]
    search_fields = ["user__username", "user__mobile", "course__name"]
    raw_id_fields = ["user", "course", "order"]
