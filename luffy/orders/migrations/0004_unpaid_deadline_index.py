"""The timeout sweep's partial index on the unpaid orders' (pay_deadline, id).

Only where partial indexes exist (PostgreSQL, SQLite): Django would create it on MariaDB/MySQL
without its condition, a second full index on every order that the sweep does not need there
(the (status, pay_deadline) index serves it). The model state has it everywhere."""

from django.db import migrations, models

INDEX = models.Index(
    condition=models.Q(("status", 0)),
    fields=["pay_deadline", "id"],
    name="order_unpaid_deadline",
)


class PartialIndexWhereSupported(migrations.AddIndex):
    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.features.supports_partial_indexes:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.features.supports_partial_indexes:
            super().database_backwards(app_label, schema_editor, from_state, to_state)


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0003_coursepurchase_moves_to_access"),
    ]

    operations = [PartialIndexWhereSupported(model_name="order", index=INDEX)]
