from django.db import migrations
from django.db.models import Max, Sum


def backfill(apps, schema_editor):
    """Order.refunded_amount / refunded_at from the refunds the gateway confirmed so far
    (refunds are few: one aggregate query, then one bulk update per 500 orders)."""
    Order = apps.get_model("orders", "Order")
    Refund = apps.get_model("payments", "Refund")
    totals = (
        Refund.objects.filter(status="succeeded")
        .values("order_id")
        .annotate(amount=Sum("amount"), at=Max("updated_at"))
        .order_by("order_id")
    )
    orders = [
        Order(id=row["order_id"], refunded_amount=row["amount"], refunded_at=row["at"])
        for row in totals
    ]
    Order.objects.bulk_update(orders, ["refunded_amount", "refunded_at"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0003_trade"),
        ("orders", "0005_order_refunded_amount"),
    ]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
