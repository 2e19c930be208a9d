from django.core.management.base import BaseCommand

from luffy.payments.tasks import reconcile_payments


class Command(BaseCommand):
    help = "Compare recent orders with alipay.trade.query: settle lost payments, flag mismatches."

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="paid orders of the last N hours")

    def handle(self, *args, hours, **options):
        counts = reconcile_payments(hours=hours)
        if counts.get("skipped"):
            self.stdout.write("Another reconciliation is running: this one did nothing.")
            return
        self.stdout.write(
            f"Checked {counts['checked']} orders: {counts['settled']} settled, "
            f"{counts['refunded']} late payments refunded, "
            f"{counts['flagged']} flagged for staff (admin: payment messages, flagged)."
        )
