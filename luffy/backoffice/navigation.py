"""The admin sidebar, grouped by job (settings.UNFOLD["SIDEBAR"]["navigation"]).

Models are placed by the GROUPS table; a registered model it does not name goes to its app's
group (APP_GROUPS), so a model another app adds shows up without an edit here. Each link is shown
to whoever may view (or change) its model."""

from __future__ import annotations

from django.contrib import admin
from django.templatetags.static import static
from django.urls import reverse
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

# (title, icon, models in the order shown); titles are msgids: 课程, 订单与支付, 用户与积分,
# 优惠券, 系统.
GROUPS: list[tuple[str, str, list[str]]] = [
    (gettext_noop("Courses"), "school", [
        "catalog.course", "catalog.coursechapter", "catalog.courselesson",
        "catalog.coursecategory", "catalog.teacher", "catalog.banner", "catalog.navigation",
    ]),
    (gettext_noop("Orders and payments"), "receipt_long", [
        "orders.order", "payments.refund", "payments.paymentmessage", "payments.trade",
        "access.coursepurchase",
    ]),
    (gettext_noop("Users and credit"), "group", ["users.user", "users.creditentry"]),
    (gettext_noop("Coupons"), "sell", [
        "coupons.coupon", "coupons.usercoupon", "catalog.activity", "catalog.discount",
        "catalog.discounttype",
    ]),
    (gettext_noop("System"), "settings", [
        "auth.group", "django_celery_results.taskresult", "django_celery_results.groupresult",
    ]),
]  # fmt: skip
APP_GROUPS = {
    "catalog": "Courses", "coupons": "Coupons", "users": "Users and credit",
    "orders": "Orders and payments", "payments": "Orders and payments",
    "access": "Orders and payments",
}  # fmt: skip
SYSTEM = "System"
ICONS = {
    "catalog.course": "menu_book", "orders.order": "shopping_cart", "payments.refund": "undo",
    "payments.paymentmessage": "mail", "users.user": "person", "users.creditentry": "toll",
    "coupons.coupon": "confirmation_number", "auth.group": "badge",
    "django_celery_results.taskresult": "task",
}  # fmt: skip


def _can_see(model):
    def check(request) -> bool:
        opts = model._meta
        return any(
            request.user.has_perm(f"{opts.app_label}.{action}_{opts.model_name}")
            for action in ("view", "change")
        )

    return check


def sidebar(request) -> list[dict]:
    registered = {
        f"{model._meta.app_label}.{model._meta.model_name}": model for model in admin.site._registry
    }
    placed: dict[str, list[str]] = {title: list(models) for title, _icon, models in GROUPS}
    named = {key for _title, _icon, models in GROUPS for key in models}
    for key in sorted(registered.keys() - named):
        placed[APP_GROUPS.get(key.split(".")[0], SYSTEM)].append(key)

    groups = [
        {
            "title": _("Dashboard"),
            "items": [{"title": _("Sales overview"), "icon": "dashboard",
                       "link": reverse("admin:index")}],
        }
    ]  # fmt: skip
    for title, icon, _models in GROUPS:
        items = []
        for key in placed[title]:
            model = registered.get(key)
            if model is None:
                continue
            opts = model._meta
            items.append(
                {
                    "title": capfirst(opts.verbose_name_plural),
                    "icon": ICONS.get(key, icon),
                    "link": reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"),
                    "permission": _can_see(model),
                }
            )
        groups.append({"title": _(title), "separator": True, "collapsible": True, "items": items})
    return groups


def stylesheet(request) -> str:
    """The back office's own small stylesheet (unfold's compiled CSS has only its classes)."""
    return static("backoffice/backoffice.css")
