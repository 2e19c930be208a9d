"""Fewer index entries per status change (issue 13: the timeout sweep at 1.1 M orders).

An order's status is indexed, so every status change writes a new row version and an entry in
every index whose condition the row meets; on PostgreSQL the sweep's UPDATE spent about half of
its time in the five indexes this migration removes or makes partial.

PostgreSQL and SQLite (partial indexes):
- no index of its own on user_id: the (user_id, created_at DESC) index starts with it;
- order_paid_at (paid_at, real_price) and order_user_coupon: only the rows that have the value;
- order_closed_reached: reconciliation's cancelled and timed out orders that reached the
  gateway, so that PostgreSQL can drop (status, pay_deadline) (the sweep reads
  order_unpaid_deadline, migration 0004; SQLite keeps it, see the operation);
- PostgreSQL's varchar_pattern_ops copy of order_number (Django's `_like` index for LIKE
  'x%'): nothing filters order numbers by prefix (the admin searches with icontains, which
  cannot use it). Django recreates it if order_number is ever altered: drop it again then.

MariaDB/MySQL (no partial indexes; a WHERE would be a syntax error): unchanged. The foreign keys
keep the indexes InnoDB requires for them, order_paid_at stays a full index and the sweep keeps
reading (status, pay_deadline). A covering (status, pay_deadline, id, sent_to_gateway_at,
user_id) index for the batch pick was measured slower there (docs/benchmarks.md): InnoDB still
visits the clustered rows of recently changed index pages, and the wider index took more of a
128 MB buffer pool.

The model state is the same on every database (as in 0004)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

PARTIAL = ("postgresql", "sqlite")


class OnlyOn(migrations.operations.base.Operation):
    """`operation` on every database's model state, but in the schema only on `vendors`."""

    reduces_to_sql = False
    reversible = True

    def __init__(self, vendors, operation):
        self.vendors = vendors
        self.operation = operation

    def deconstruct(self):
        return (self.__class__.__qualname__, [self.vendors, self.operation], {})

    def state_forwards(self, app_label, state):
        self.operation.state_forwards(app_label, state)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor in self.vendors:
            self.operation.database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor in self.vendors:
            self.operation.database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"{self.operation.describe()} (on {', '.join(self.vendors)} only)"


def _like_index(schema_editor, model):
    return schema_editor._create_index_name(model._meta.db_table, ["order_number"], "_like")


def drop_order_number_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        model = apps.get_model("orders", "Order")
        schema_editor.execute(f"DROP INDEX IF EXISTS {_like_index(schema_editor, model)}")


def create_order_number_like(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        model = apps.get_model("orders", "Order")
        field = model._meta.get_field("order_number")
        schema_editor.execute(schema_editor._create_like_index_sql(model, field))


class Migration(migrations.Migration):
    dependencies = [
        ("coupons", "0004_redeem_codes"),
        ("orders", "0009_wechat_pay"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # Dropped from PostgreSQL's schema only: the model keeps it for MariaDB/MySQL, and
        # SQLite rebuilds a table from the model state whenever a migration alters it (the
        # AlterFields below do), which would bring it back there anyway.
        OnlyOn(
            ("postgresql",),
            migrations.SeparateDatabaseAndState(
                database_operations=[
                    migrations.RemoveIndex(
                        model_name="order", name="orders_orde_status_24edc9_idx"
                    ),
                ],
            ),
        ),
        OnlyOn(PARTIAL, migrations.RemoveIndex(model_name="order", name="order_paid_at")),
        OnlyOn(
            PARTIAL,
            migrations.AlterField(
                model_name="order",
                name="user",
                field=models.ForeignKey(
                    db_index=False,
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="orders",
                    to=settings.AUTH_USER_MODEL,
                    verbose_name="buyer",
                ),
            ),
        ),
        OnlyOn(
            PARTIAL,
            migrations.AlterField(
                model_name="order",
                name="user_coupon",
                field=models.ForeignKey(
                    blank=True,
                    db_index=False,
                    null=True,
                    on_delete=django.db.models.deletion.PROTECT,
                    related_name="+",
                    to="coupons.usercoupon",
                    verbose_name="coupon",
                ),
            ),
        ),
        OnlyOn(
            PARTIAL,
            migrations.AddIndex(
                model_name="order",
                index=models.Index(
                    condition=models.Q(("paid_at__isnull", False)),
                    fields=["paid_at", "real_price"],
                    name="order_paid_at",
                ),
            ),
        ),
        OnlyOn(
            PARTIAL,
            migrations.AddIndex(
                model_name="order",
                index=models.Index(
                    condition=models.Q(("user_coupon__isnull", False)),
                    fields=["user_coupon"],
                    name="order_user_coupon",
                ),
            ),
        ),
        OnlyOn(
            PARTIAL,
            migrations.AddIndex(
                model_name="order",
                index=models.Index(
                    condition=models.Q(("sent_to_gateway_at__isnull", False), ("status__in", [2, 3])),
                    fields=["pay_deadline"],
                    name="order_closed_reached",
                ),
            ),
        ),
        migrations.RunPython(drop_order_number_like, create_order_number_like, elidable=False),
    ]
