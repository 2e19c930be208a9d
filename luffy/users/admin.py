from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.utils.translation import gettext_lazy as _
from unfold.admin import ModelAdmin
from unfold.forms import AdminPasswordChangeForm, UserChangeForm, UserCreationForm

from luffy.users.forms import GuardedAdminAuthenticationForm
from luffy.users.models import CreditEntry, User


@admin.register(User)
class UserAdmin(DjangoUserAdmin, ModelAdmin):
    # unfold's styled versions of Django's user forms
    form = UserChangeForm
    add_form = UserCreationForm
    change_password_form = AdminPasswordChangeForm
    list_display = ["username", "mobile", "email", "credit", "is_staff", "date_joined"]
    search_fields = ["username", "mobile", "email"]
    fieldsets = (
        *DjangoUserAdmin.fieldsets,
        (_("Store"), {"fields": ("mobile", "nickname", "avatar", "credit")}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("username", "mobile", "password1", "password2")}),
    )
    # Credit changes only through services that write a ledger row.
    readonly_fields = ["credit", "last_login", "date_joined"]


@admin.register(CreditEntry)
class CreditEntryAdmin(ModelAdmin):
    list_display = ["user", "amount", "balance_after", "reason", "order", "created_at"]
    list_filter = ["reason"]
    list_select_related = ["user", "order"]
    search_fields = ["user__username", "user__mobile", "order__order_number"]
    readonly_fields = ["user", "amount", "balance_after", "reason", "order", "note", "created_at"]

    def has_add_permission(self, request):
        return False  # the ledger is written by services only

    def has_delete_permission(self, request, obj=None):
        return False


# The admin login counts failures and locks accounts exactly like the API login.
admin.site.login_form = GuardedAdminAuthenticationForm
