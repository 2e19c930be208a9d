from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from luffy.payments.tasks import reconcile_payments


class Command(BaseCommand):
    help = (
        "Compare recent orders with each gateway's trade query: settle lost payments, flag "
        "mismatches. Resumes where the last run stopped (time budget or gateway down)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--hours", type=int, default=24, help="paid orders of the last N hours")

    def handle(self, *args, hours, **options):
        counts = reconcile_payments(hours=hours)
        if counts.get("skipped"):
            self.stdout.write(_("Another reconciliation is running: this one did nothing."))
            return
        self.stdout.write(
            _(
                "Checked %(checked)d orders (unpaid %(unpaid)d, cancelled or timed out "
                "%(closed)d, paid %(paid)d) and %(refunds)d pending refunds: %(settled)d "
                "settled, %(refunded)d late payments refunded, %(flagged)d flagged for staff "
                "(admin: payment messages, flagged)."
            )
            % {**counts, **counts["by_kind"]}
        )
        if counts["busy"]:
            self.stdout.write(
                _("%(busy)d orders skipped: the timeout sweep was asking the gateway about them.")
                % counts
            )
        if counts["complete"]:
            self.stdout.write(_("The whole window was checked."))
        elif counts["gateway_down"]:
            self.stdout.write(
                _(
                    "A payment gateway stopped answering: the orders being asked were finished, "
                    "no further ones were asked; the next run resumes there."
                )
            )
        else:
            self.stdout.write(
                _(
                    "Stopped before the end of the window (time budget used up or a gateway "
                    "not answering): the next run resumes there."
                )
            )
