"""The gateway's trade number lives on payments.Trade only (issue 12); 0005 checked that every
Order.trade_no is there."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("orders", "0006_trade_numbers_on_trades")]

    operations = [migrations.RemoveField(model_name="order", name="trade_no")]
