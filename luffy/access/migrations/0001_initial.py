import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    """CoursePurchase moves here from orders: the state takes over the existing table, then the
    table gets this app's name."""

    initial = True

    dependencies = [
        ("catalog", "0001_initial"),
        ("orders", "0003_coursepurchase_moves_to_access"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CoursePurchase",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                            ),
                        ),
                        (
                            "expires_at",
                            models.DateTimeField(blank=True, help_text="empty = permanent", null=True),
                        ),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "course",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="catalog.course",
                            ),
                        ),
                        (
                            "order",
                            models.ForeignKey(
                                blank=True,
                                help_text="the order that last granted or extended it",
                                null=True,
                                on_delete=django.db.models.deletion.PROTECT,
                                related_name="+",
                                to="orders.order",
                            ),
                        ),
                        (
                            "user",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="purchases",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                    ],
                    options={"db_table": "orders_coursepurchase"},
                ),
                migrations.AddConstraint(
                    model_name="coursepurchase",
                    constraint=models.UniqueConstraint(
                        fields=("user", "course"), name="one_purchase_per_user_course"
                    ),
                ),
            ],
            database_operations=[],
        ),
        migrations.AlterModelTable(name="coursepurchase", table=None),
    ]
