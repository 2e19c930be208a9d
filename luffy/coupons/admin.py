from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.shortcuts import render
from django.utils.translation import gettext as _

from luffy.coupons.models import Coupon, UserCoupon
from luffy.coupons.services import coupon_grant


class GrantForm(forms.Form):
    users = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="usernames or mobile numbers, one per line (or separated by commas/spaces)",
    )
    start = forms.DateTimeField(required=False, help_text="empty = now")

    def clean_users(self):
        names = set(self.cleaned_data["users"].replace(",", " ").split())
        users = get_user_model().objects.filter(
            username__in=names
        ) | get_user_model().objects.filter(mobile__in=names)
        found = {value for user in users for value in (user.username, user.mobile)}
        unknown = sorted(names - found)
        if unknown:
            raise forms.ValidationError(
                _("No such users: %(names)s") % {"names": ", ".join(unknown)}
            )
        return list(users.values_list("id", flat=True))


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "sale", "min_amount", "valid_days", "created_at"]
    actions = ["grant"]

    @admin.action(description="Grant the selected coupon to users…")
    def grant(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Select exactly one coupon to grant.", messages.ERROR)
            return None
        coupon = queryset.get()
        form = GrantForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            count = coupon_grant(
                coupon=coupon, user_ids=form.cleaned_data["users"], start=form.cleaned_data["start"]
            )
            self.message_user(request, f"Granted “{coupon}” to {count} users.", messages.SUCCESS)
            return None
        return render(
            request,
            "admin/coupons/grant.html",
            {**self.admin_site.each_context(request), "coupon": coupon, "form": form,
             "title": f"Grant “{coupon}”"},
        )  # fmt: skip


@admin.register(UserCoupon)
class UserCouponAdmin(admin.ModelAdmin):
    list_display = ["coupon", "user", "status", "start", "end", "order"]
    list_filter = ["status", "coupon"]
    list_select_related = ["coupon", "user", "order"]
    search_fields = ["user__username", "user__mobile", "coupon__name"]
    raw_id_fields = ["user", "order"]
    # Status and order change only through checkout, payment and cancellation.
    readonly_fields = ["status", "order"]
