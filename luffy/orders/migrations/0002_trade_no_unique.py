from django.db import migrations, models


def blank_to_null(apps, schema_editor):
    apps.get_model("orders", "Order").objects.filter(trade_no="").update(trade_no=None)


class Migration(migrations.Migration):
    """Order.trade_no becomes unique (one gateway trade settles at most one order); orders
    without a trade hold null instead of "", so they don't collide."""

    dependencies = [("orders", "0001_initial")]

    operations = [
        migrations.AlterField(
            model_name="order",
            name="trade_no",
            field=models.CharField(blank=True, max_length=64, null=True),
        ),
        migrations.RunPython(blank_to_null, migrations.RunPython.noop, elidable=True),
        migrations.AlterField(
            model_name="order",
            name="trade_no",
            field=models.CharField(blank=True, max_length=64, null=True, unique=True),
        ),
    ]
