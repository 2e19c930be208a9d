"""The admin's one form for a time-limited sale (see luffy.catalog.services.sale_save)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.contrib.admin.widgets import FilteredSelectMultiple
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from unfold.widgets import (  # the admin theme's look for a form outside a ModelAdmin
    UnfoldAdminDecimalFieldWidget,
    UnfoldAdminRadioSelectWidget,
    UnfoldAdminSplitDateTimeWidget,
    UnfoldAdminTextareaWidget,
    UnfoldAdminTextInputWidget,
)

from luffy.catalog.models import Activity, Course, CoursePriceDiscount
from luffy.catalog.pricing import Offer, RuleError, parse_rule


class SaleKind(models.TextChoices):
    PERCENT = "percent", gettext_lazy("Percent off (打折)")
    AMOUNT = "amount", gettext_lazy("Amount off (立减)")
    TIERS = "tiers", gettext_lazy("Tiers (满减)")
    FREE = "free", gettext_lazy("Free (限时免费)")


# The rule kind (luffy.catalog.pricing.Rule.kind) each choice of the form writes.
RULE_KIND = {
    SaleKind.PERCENT: "multiply",
    SaleKind.AMOUNT: "subtract",
    SaleKind.TIERS: "tiers",
    SaleKind.FREE: "free",
}


class SaleForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Sale name"), max_length=128, widget=UnfoldAdminTextInputWidget
    )
    label = forms.CharField(
        label=gettext_lazy("Name shown to students"),
        max_length=32,
        initial="限时折扣",
        widget=UnfoldAdminTextInputWidget,
        help_text=gettext_lazy("shown beside the price, e.g. 限时折扣, 限时免费, 满减"),
    )
    courses = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Courses"),
        queryset=Course.objects.order_by("status", "name"),
        widget=FilteredSelectMultiple(gettext_lazy("courses"), is_stacked=False),
    )
    start = forms.SplitDateTimeField(
        label=gettext_lazy("Starts at"), widget=UnfoldAdminSplitDateTimeWidget
    )
    end = forms.SplitDateTimeField(
        label=gettext_lazy("Ends at"), widget=UnfoldAdminSplitDateTimeWidget
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Rule"),
        choices=SaleKind.choices,
        initial=SaleKind.PERCENT,
        widget=UnfoldAdminRadioSelectWidget,
    )
    discount = forms.DecimalField(
        label=gettext_lazy("Discount (折)"),
        widget=UnfoldAdminDecimalFieldWidget,
        required=False,
        min_value=Decimal("0.1"),
        max_value=Decimal("9.99"),
        decimal_places=2,
        help_text=gettext_lazy("8 = 八折 (pay 80%), 8.5 = 八五折"),
    )
    amount = forms.DecimalField(
        label=gettext_lazy("Amount off (yuan)"),
        widget=UnfoldAdminDecimalFieldWidget,
        required=False,
        min_value=Decimal("0.01"),
        decimal_places=2,
    )
    tiers = forms.CharField(
        label=gettext_lazy("Tiers"),
        required=False,
        widget=UnfoldAdminTextareaWidget(attrs={"rows": 3, "placeholder": "满100-10\n满200-25"}),
        help_text=gettext_lazy("one tier per line: 满100-10 takes 10 off a price of 100 or more"),
    )
    condition = forms.DecimalField(
        label=gettext_lazy("Minimum price"),
        widget=UnfoldAdminDecimalFieldWidget,
        initial=Decimal("0"),
        min_value=Decimal("0"),
        decimal_places=2,
        help_text=gettext_lazy("the sale applies to an option whose price reaches this"),
    )

    def clean(self):
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The sale must end after it starts."))
        kind = data.get("kind")
        text = None
        if kind == SaleKind.PERCENT:
            if data.get("discount") is None:
                self.add_error("discount", _("Enter the discount, e.g. 8 for 八折."))
            else:
                text = f"*{(data['discount'] / 10).normalize():f}"
        elif kind == SaleKind.AMOUNT:
            if data.get("amount") is None:
                self.add_error("amount", _("Enter the amount to take off."))
            else:
                text = f"-{data['amount']:.2f}"
        elif kind == SaleKind.TIERS:
            text = (data.get("tiers") or "").strip()
            if not text:
                self.add_error("tiers", _("Enter at least one tier, e.g. 满100-10."))
                text = None
        elif kind == SaleKind.FREE:
            text = "0"
        if text is not None:
            try:
                rule = parse_rule(text)
            except RuleError as exc:
                self.add_error("tiers" if kind == SaleKind.TIERS else None, str(exc))
            else:
                if rule.kind != RULE_KIND[kind]:  # e.g. "*1" would not be a percentage
                    self.add_error("tiers", _("Each line of the tiers looks like 满100-10."))
                data["rule"] = text
                if start and end and "condition" in data:
                    data["offer"] = Offer(data["label"], data["condition"], rule, start, end)
        return data

    @classmethod
    def initial_for(cls, activity: Activity) -> dict | None:
        """The form's initial data for an activity, or None when its courses use different
        discounts (the form sets one rule for all: such an activity is edited row by row)."""
        links = list(
            CoursePriceDiscount.objects.filter(activity=activity).select_related("discount__type")
        )
        if len({link.discount_id for link in links}) > 1:
            return None
        initial = {
            "name": activity.name,
            "start": activity.start,
            "end": activity.end,
            "courses": [link.course_id for link in links],
        }
        if links:
            discount = links[0].discount
            rule = parse_rule(discount.sale)
            initial.update(label=discount.type.name, condition=discount.condition)
            if rule.kind == "multiply":
                initial.update(kind=SaleKind.PERCENT, discount=(rule.factor * 10).normalize())
            elif rule.kind == "subtract":
                initial.update(kind=SaleKind.AMOUNT, amount=rule.amount)
            elif rule.kind == "tiers":
                initial.update(kind=SaleKind.TIERS, tiers=discount.sale)
            else:
                initial.update(kind=SaleKind.FREE)
        return initial
