from django import forms
from django.contrib import admin, messages
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import (  # the admin theme's look for a form outside a ModelAdmin
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminSelectWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from luffy.catalog.models import Course
from luffy.coupons.models import Coupon, CouponRedemption, RedeemCode, UserCoupon, normalize_code
from luffy.coupons.services import Segment, coupon_grant_segment, segment_users


class GrantForm(forms.Form):
    segment = forms.ChoiceField(
        label=gettext_lazy("Who gets it"),
        choices=Segment.choices,
        required=False,  # empty: the pasted list
        initial=Segment.LIST,
        widget=UnfoldAdminRadioSelectWidget,
    )
    since = forms.DateField(
        label=gettext_lazy("Registered since"),
        required=False,
        widget=UnfoldAdminTextInputWidget(attrs={"type": "date"}),
    )
    course = forms.ModelChoiceField(
        label=gettext_lazy("Buyers of the course"),
        queryset=Course.objects.order_by("name"),
        required=False,
        widget=UnfoldAdminSelectWidget,
    )
    users = forms.CharField(
        label=gettext_lazy("Mobiles or usernames"),
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 6}),
        help_text=gettext_lazy(
            "usernames or mobile numbers, one per line (or separated by commas/spaces)"
        ),
    )
    start = forms.DateTimeField(
        label=gettext_lazy("Valid from"),
        required=False,
        help_text=gettext_lazy("empty = now"),
        widget=UnfoldAdminTextInputWidget(attrs={"type": "datetime-local"}),
    )

    def clean(self):
        data = super().clean()
        segment = data["segment"] = data.get("segment") or Segment.LIST
        if segment == Segment.SINCE and not data.get("since"):
            self.add_error("since", _("Choose the registration date."))
        if segment == Segment.BUYERS and not data.get("course"):
            self.add_error("course", _("Choose the course whose buyers get the coupon."))
        if segment == Segment.LIST:
            names = set(data.get("users", "").replace(",", " ").replace("，", " ").split())
            if not names:
                self.add_error("users", _("Paste at least one mobile or username."))
            found = segment_users(segment=Segment.LIST, names=names).values_list(
                "username", "mobile"
            )
            unknown = sorted(names - {value for row in found for value in row})
            if unknown:
                self.add_error(
                    "users", _("No such users: %(names)s") % {"names": ", ".join(unknown)}
                )
            data["names"] = names
        return data

    def users_queryset(self):
        data = self.cleaned_data
        course = data.get("course")
        return segment_users(
            segment=data["segment"],
            since=data.get("since"),
            course_id=course.id if course else None,
            names=data.get("names", ()),
        )


class RedeemCodeInline(admin.TabularInline):
    model = RedeemCode
    extra = 0
    fields = ["code", "max_redemptions", "per_user_limit", "redeemed_count", "valid_until"]
    fields += ["is_active"]
    readonly_fields = ["redeemed_count"]


@admin.register(Coupon)
class CouponAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "sale", "min_amount", "valid_days", "created_at"]
    actions = ["grant"]
    inlines = [RedeemCodeInline]

    @admin.action(description=gettext_lazy("Grant the selected coupon to students…"))
    def grant(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Select exactly one coupon to grant."), messages.ERROR)
            return None
        coupon = queryset.get()
        form = GrantForm(request.POST if "apply" in request.POST else None)
        if form.is_valid():
            result = coupon_grant_segment(
                coupon=coupon, users=form.users_queryset(), start=form.cleaned_data["start"]
            )
            self.message_user(
                request,
                _(
                    "Granted “%(coupon)s” to %(granted)d students; %(skipped)d already had it."
                ) % {"coupon": coupon, "granted": result.granted, "skipped": result.skipped},
                messages.SUCCESS,
            )  # fmt: skip
            return None
        return render(
            request,
            "admin/coupons/grant.html",
            {**self.admin_site.each_context(request), "coupon": coupon, "form": form,
             "opts": self.model._meta, "title": _("Grant “%(coupon)s”") % {"coupon": coupon}},
        )  # fmt: skip


class RedeemCodeForm(forms.ModelForm):
    class Meta:
        model = RedeemCode
        fields = ["code", "coupon", "max_redemptions", "per_user_limit", "valid_until"]
        fields += ["is_active"]

    def clean_code(self):
        code = normalize_code(self.cleaned_data["code"])
        if not code.isalnum():
            raise forms.ValidationError(_("A redeem code has letters and digits only."))
        return code


@admin.register(RedeemCode)
class RedeemCodeAdmin(admin.ModelAdmin):
    form = RedeemCodeForm
    list_display = ["code", "coupon", "redeemed_count", "max_redemptions", "per_user_limit"]
    list_display += ["valid_until", "is_active"]
    list_filter = ["is_active"]
    list_select_related = ["coupon"]
    search_fields = ["code", "coupon__name"]
    readonly_fields = ["redeemed_count"]


@admin.register(CouponRedemption)
class CouponRedemptionAdmin(admin.ModelAdmin):
    """Who redeemed which code: written only by redemptions, read-only here."""

    list_display = ["code", "user", "number", "user_coupon", "created_at"]
    list_select_related = ["code", "user", "user_coupon__coupon"]
    search_fields = ["code__code", "user__username", "user__mobile"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(UserCoupon)
class UserCouponAdmin(admin.ModelAdmin):
    list_display = ["coupon", "user", "status", "start", "end", "order"]
    list_filter = ["status", "coupon"]
    list_select_related = ["coupon", "user", "order"]
    search_fields = ["user__username", "user__mobile", "coupon__name"]
    raw_id_fields = ["user", "order"]
    # Status and order change only through checkout, payment and cancellation.
    readonly_fields = ["status", "order"]
