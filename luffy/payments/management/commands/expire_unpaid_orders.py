from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from luffy.payments.tasks import expire_unpaid_orders


class Command(BaseCommand):
    help = (
        "The timeout sweep that beat runs every minute: ask the gateway about unpaid orders "
        "past their deadline, settle the ones paid there, time out the rest. Safe beside beat."
    )

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=500, help="orders per transaction")

    def handle(self, *args, batch_size, **options):
        count = expire_unpaid_orders(batch_size=batch_size)
        self.stdout.write(_("%(count)d unpaid orders timed out.") % {"count": count})
