"""The admin site as a whole: the dashboard as its first page, and unfold's look for the models
of Django's and Celery's own apps (re-registered on unfold's ModelAdmin, same options)."""

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_celery_results.admin import GroupResultAdmin as CeleryGroupResultAdmin
from django_celery_results.admin import TaskResultAdmin as CeleryTaskResultAdmin
from django_celery_results.models import GroupResult, TaskResult
from unfold.admin import BaseInlineMixin as UnfoldInline
from unfold.admin import ModelAdmin, StackedInline, TabularInline

from luffy.backoffice.task_states import TASK_STATES, task_state_label

admin.site.index_template = "backoffice/dashboard.html"
admin.site.index_title = _("Sales overview")

for model in (Group, TaskResult, GroupResult):
    if admin.site.is_registered(model):
        admin.site.unregister(model)


# Django stores a permission's name in English when it creates it ("Can add order"); the
# group page's two-box selector shows them in Chinese from the model's own (translated) names.
PERMISSION_ACTIONS = {
    "add": _("Can add %(model)s"),
    "change": _("Can change %(model)s"),
    "delete": _("Can delete %(model)s"),
    "view": _("Can view %(model)s"),
}


def permission_label(permission: Permission) -> str:
    """A permission as an operator reads it: 订单与支付 | 订单 | 可查看订单."""
    model = permission.content_type.model_class()
    if model is None:  # a model since removed: Django's own words
        return str(permission)
    action = permission.codename.split("_", 1)[0]
    opts = model._meta
    if action in PERMISSION_ACTIONS and permission.codename == f"{action}_{opts.model_name}":
        name = PERMISSION_ACTIONS[action] % {"model": opts.verbose_name}
    else:
        name = gettext(permission.name)  # a model's own permission, a msgid of its Meta
    return f"{opts.app_config.verbose_name} | {opts.verbose_name} | {name}"


@admin.register(Group)
class GroupAdmin(DjangoGroupAdmin, ModelAdmin):
    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request=request, **kwargs)
        if db_field.name == "permissions":
            # Only the models the back office shows: a permission for anything else (Django's
            # sessions, Celery's chord counters) grants nothing an operator could use.
            shown = ContentType.objects.get_for_models(*self.admin_site._registry).values()
            field.queryset = field.queryset.filter(content_type__in=list(shown))
            field.label_from_instance = permission_label
        return field


class TaskStateFilter(admin.SimpleListFilter):
    title = _("task state")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(TASK_STATES.items())

    def queryset(self, request, queryset):
        return queryset.filter(status=self.value()) if self.value() else queryset


def _with_state_label(fields):
    return tuple("status_label" if name == "status" else name for name in fields)


@admin.register(TaskResult)
class TaskResultAdmin(CeleryTaskResultAdmin, ModelAdmin):
    list_display = _with_state_label(CeleryTaskResultAdmin.list_display)
    list_filter = tuple(
        TaskStateFilter if name == "status" else name for name in CeleryTaskResultAdmin.list_filter
    )
    fieldsets = tuple(
        (title, {**options, "fields": _with_state_label(options["fields"])})
        for title, options in CeleryTaskResultAdmin.fieldsets
    )

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "status_label"]

    # A record of what a worker did: read (and deleted when old), never typed in or edited.
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("task state"), ordering="status")
    def status_label(self, task: TaskResult) -> str:
        return task_state_label(task.status)


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
