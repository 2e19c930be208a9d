"""Before Order.trade_no goes (0006): every trade number is on a payments.Trade (issue 12).

payments 0003_trade copied every Order.trade_no onto a Trade, and the code since wrote both in
the same transaction. Before the column goes, this migration makes sure: any order whose
trade number no Trade holds (a row written by older code after 0003, say) gets it on its
Trade now (created if the order has none), and the migration stops if one still differs.
Backwards, the column (back from 0006) is filled from the paid Trades. A separate migration
from the RemoveField: PostgreSQL refuses to ALTER a table with pending foreign-key checks from
rows inserted in the same transaction."""

from django.db import migrations, models
from django.db.models import OuterRef, Subquery
from django.utils.translation import gettext


def trade_numbers_to_trades(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Trade = apps.get_model("payments", "Trade")
    held = Trade.objects.filter(order_id=OuterRef("id"), trade_no=OuterRef("trade_no"))
    missing = (
        Order.objects.filter(trade_no__isnull=False)
        .exclude(models.Exists(held))
        .values_list("id", "order_number", "sent_to_gateway_at", "trade_no", "real_price")
    )
    for order_id, number, sent_at, trade_no, amount in missing.iterator(chunk_size=2000):
        updated = Trade.objects.filter(order_id=order_id, gateway="alipay").update(
            trade_no=trade_no, status="paid"
        )
        if not updated:
            Trade.objects.create(
                order_id=order_id, gateway="alipay", out_trade_no=number, sent_at=sent_at,
                trade_no=trade_no, amount=amount, status="paid",
            )  # fmt: skip
    if Order.objects.filter(trade_no__isnull=False).exclude(models.Exists(held)).exists():
        raise RuntimeError(
            gettext(
                "Some orders' gateway trade numbers are on no payment trade; the column is "
                "kept. Copy them onto payments.Trade, then migrate again."
            )
        )


def trade_numbers_to_orders(apps, schema_editor):
    Order = apps.get_model("orders", "Order")
    Trade = apps.get_model("payments", "Trade")
    paid = Trade.objects.filter(order_id=OuterRef("id"), trade_no__isnull=False)
    Order.objects.filter(models.Exists(paid)).update(trade_no=Subquery(paid.values("trade_no")[:1]))


class Migration(migrations.Migration):
    dependencies = [
        ("orders", "0005_order_refunded_amount"),
        ("payments", "0003_trade"),
    ]

    operations = [
        migrations.RunPython(trade_numbers_to_trades, trade_numbers_to_orders),
    ]
