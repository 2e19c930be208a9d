from django.db import migrations


class Migration(migrations.Migration):
    """CoursePurchase now belongs to the access app (luffy.access); the table stays where it is
    until access's own migration takes it over."""

    dependencies = [("orders", "0002_trade_no_unique")]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveConstraint(
                    model_name="coursepurchase", name="one_purchase_per_user_course"
                ),
                migrations.DeleteModel(name="CoursePurchase"),
            ],
            database_operations=[],
        )
    ]
