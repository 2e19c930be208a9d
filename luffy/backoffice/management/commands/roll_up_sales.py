import argparse
from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from luffy.backoffice.reports import local_today
from luffy.backoffice.services import sales_days_roll_up
from luffy.backoffice.tasks import ROLLUP_LOCK, ROLLUP_LOCK_SECONDS, roll_up_sales_days
from luffy.common.redis import single_run


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("%(text)s is not a date like 2026-06-01") % {"text": text}
        ) from None


class Command(BaseCommand):
    help = (
        "Roll up the dashboard's daily sales figures. Without --since: what the hourly beat "
        "task does (closed days of the last 30 not rolled up or not final). With --since: "
        "every day from it to --until (default yesterday), e.g. to backfill after installing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", type=_day, help="first local day, YYYY-MM-DD")
        parser.add_argument("--until", type=_day, help="last local day (default yesterday)")

    def handle(self, *args, since, until, **options):
        if since is None:
            if until is not None:
                raise CommandError(_("--until needs --since"))
            result = roll_up_sales_days()
            if result.get("skipped"):
                self.stdout.write(_("Another roll-up is running: this one did nothing."))
                return
            count = result["rolled_up"]
        else:
            now = timezone.now()
            yesterday = local_today(now) - timedelta(days=1)
            until = until or yesterday
            if until > yesterday:
                raise CommandError(
                    _("Only days that are over can be rolled up: --until %(day)s or earlier.")
                    % {"day": yesterday}
                )
            if since > until:
                raise CommandError(_("--since must not be after --until."))
            days = [since + timedelta(days=n) for n in range((until - since).days + 1)]
            # Locked for a generous minute a day, so beat's next run cannot start meanwhile.
            seconds = max(ROLLUP_LOCK_SECONDS, 60 * len(days))
            with single_run(ROLLUP_LOCK, seconds=seconds) as mine:
                if not mine:
                    self.stdout.write(_("Another roll-up is running: this one did nothing."))
                    return
                count = sales_days_roll_up(days=days, now=now)
        self.stdout.write(_("Rolled up %(count)d days.") % {"count": count})
