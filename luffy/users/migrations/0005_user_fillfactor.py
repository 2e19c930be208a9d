"""Room on each users' page for the next version of its rows (issue 13: the timeout sweep).

A student's row is updated often (credit reserved at checkout and returned by a cancel or the
timeout sweep, last_login at every login). PostgreSQL can update a row in place on its page,
with no new entry in any of the table's five indexes (HOT), only when the page has room for the
new version; at the default fillfactor 100 a freshly written page has none, so the sweep's
credit return added five index entries per user (two of them unique checks). At 90 the first
update of a row finds room. Only new and rewritten pages get the room; nothing to do elsewhere
(MariaDB and SQLite have no such setting)."""

from django.db import migrations


def users_fillfactor_90(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = apps.get_model("users", "User")._meta.db_table
        schema_editor.execute(
            f"ALTER TABLE {schema_editor.quote_name(table)} SET (fillfactor = 90)"
        )


def users_fillfactor_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        table = apps.get_model("users", "User")._meta.db_table
        schema_editor.execute(f"ALTER TABLE {schema_editor.quote_name(table)} RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("users", "0004_verbose_names")]

    operations = [migrations.RunPython(users_fillfactor_90, users_fillfactor_default)]
