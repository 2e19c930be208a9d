"""Staff roles: three groups with the model permissions their job needs.

- 运营 (operations): the catalog, sales and discounts, coupons: everything in those apps.
- 财务 (finance): orders (staff notes), refunds, the CSV export, the gateway messages.
- 客服 (support): reads orders, payments and users; no refunds, no changes.

The groups are created by migration 0001; `roles_sync` is additive (it never removes a
permission staff gave a group), and runs again after every `migrate`, so a model added later to
catalog or coupons reaches 运营 without another migration. Group names are data, as operators
see them in the admin, hence Chinese here."""

from __future__ import annotations

from django.db.models.signals import post_migrate

OPERATIONS, FINANCE, SUPPORT = "运营", "财务", "客服"

_READ_ORDERS = [
    "orders.view_order", "orders.view_orderline", "orders.view_orderstatuschange",
    "payments.view_refund", "payments.view_paymentmessage", "payments.view_trade",
    "access.view_coursepurchase", "users.view_user", "users.view_creditentry",
]  # fmt: skip

# role -> (apps whose every permission it has, further permissions "app_label.codename")
ROLES: dict[str, tuple[list[str], list[str]]] = {
    OPERATIONS: (["catalog", "coupons"], []),
    FINANCE: ([], [
        *_READ_ORDERS, "orders.change_order", "orders.refund_order", "orders.export_order",
        "payments.change_paymentmessage",  # clear a message's flag after looking at it
    ]),
    SUPPORT: ([], [*_READ_ORDERS, "catalog.view_course"]),
}  # fmt: skip


def roles_sync(group_model, permission_model) -> None:
    """Create the groups if missing and add the permissions their role lists (models passed
    in, so a migration can call it with its historical models)."""
    for name, (apps, codenames) in ROLES.items():
        group, _ = group_model.objects.get_or_create(name=name)
        wanted = permission_model.objects.none()
        if apps:
            wanted = permission_model.objects.filter(content_type__app_label__in=apps)
        for full in codenames:
            app_label, codename = full.split(".")
            wanted = wanted | permission_model.objects.filter(
                content_type__app_label=app_label, codename=codename
            )
        group.permissions.add(*wanted.distinct())


def _sync_after_migrate(sender, app_config=None, using="default", **kwargs) -> None:
    if app_config is None or app_config.label != "backoffice":
        return  # once per migrate: this app's signal comes after the apps before it
    from django.contrib.auth.models import Group, Permission

    if Group.objects.using(using).filter(name__in=ROLES).count() == len(ROLES):
        roles_sync(Group, Permission)


def connect_sync() -> None:
    post_migrate.connect(_sync_after_migrate, dispatch_uid="backoffice-roles-sync")
