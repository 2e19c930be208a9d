from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from luffy.users.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    list_display = ["username", "mobile", "email", "credit", "is_staff", "date_joined"]
    search_fields = ["username", "mobile", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        ("Store", {"fields": ("mobile", "avatar", "credit")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "mobile", "password1", "password2")}),
    )
    # Credit changes only through services that write a ledger row.
    readonly_fields = ["credit", "last_login", "date_joined"]
