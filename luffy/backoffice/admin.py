"""The admin site as a whole: the dashboard as its first page, and unfold's look for the models
of Django's and Celery's own apps (re-registered on unfold's ModelAdmin, same options)."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group
from django.utils.translation import gettext_lazy as _
from django_celery_results.admin import GroupResultAdmin as CeleryGroupResultAdmin
from django_celery_results.admin import TaskResultAdmin as CeleryTaskResultAdmin
from django_celery_results.models import GroupResult, TaskResult
from unfold.admin import BaseInlineMixin as UnfoldInline
from unfold.admin import ModelAdmin, StackedInline, TabularInline

admin.site.index_template = "backoffice/dashboard.html"
admin.site.index_title = _("Sales overview")

for model in (Group, TaskResult, GroupResult):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin, ModelAdmin):
    pass


@admin.register(TaskResult)
class TaskResultAdmin(CeleryTaskResultAdmin, ModelAdmin):
    pass


@admin.register(GroupResult)
class GroupResultAdmin(CeleryGroupResultAdmin, ModelAdmin):
    pass


def _themed_inline(inline):
    if issubclass(inline, UnfoldInline):
        return inline
    base = StackedInline if issubclass(inline, admin.StackedInline) else TabularInline
    return type(inline.__name__, (inline, base), {"__module__": inline.__module__})


def theme_registered_admins(site=admin.site) -> None:
    """Give unfold's look to every admin registered on a plain ModelAdmin (catalog's and
    coupons' at the time of writing, third-party apps'): the same class with unfold's ModelAdmin
    mixed in, its inlines likewise. Options and behaviour stay theirs; only templates and form
    widgets change. An app that bases its admin on unfold.admin.ModelAdmin is left alone."""
    for model, model_admin in list(site._registry.items()):
        if isinstance(model_admin, ModelAdmin):
            continue
        cls = type(model_admin)
        themed = type(
            cls.__name__,
            (cls, ModelAdmin),
            {"__module__": cls.__module__,
             "inlines": [_themed_inline(inline) for inline in cls.inlines]},
        )  # fmt: skip
        site.unregister(model)
        site.register(model, themed)


theme_registered_admins()
