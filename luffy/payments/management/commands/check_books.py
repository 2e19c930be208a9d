from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from luffy.payments.books import books_check


class Command(BaseCommand):
    help = (
        "Check that orders, settlements, purchase records, coupons, the credit ledger and "
        "gateway trades agree. Exit status 1 and a list when they do not."
    )

    def handle(self, *args, **options):
        anomalies = books_check()
        if not anomalies:
            self.stdout.write(_("The books balance: no anomalies."))
            return
        for anomaly in anomalies:
            self.stdout.write(str(anomaly))
        raise CommandError(
            ngettext(
                "The books do not balance: %(n)d anomaly (listed above).",
                "The books do not balance: %(n)d anomalies (listed above).",
                len(anomalies),
            )
            % {"n": len(anomalies)},
            returncode=1,
        )
