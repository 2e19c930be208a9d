"""The admin's first page: unfold calls `dashboard_callback` (settings.UNFOLD) with the index
page's context; the figures come from `reports.dashboard`, the layout from
templates/backoffice/dashboard.html."""

from __future__ import annotations

import contextlib
import json
import logging
from decimal import Decimal

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from luffy.backoffice.reports import Dashboard, PeriodFigures, dashboard
from luffy.common.money import yuan_text

logger = logging.getLogger(__name__)

PERIOD_TITLES = {
    "today": gettext_lazy("Today"),
    "7d": gettext_lazy("Last 7 days"),
    "30d": gettext_lazy("Last 30 days"),
}


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{share * 100:.1f}%"


def _period_card(key: str, figures: PeriodFigures) -> dict:
    return {
        "key": key,
        "title": PERIOD_TITLES[key],
        "revenue": yuan_text(figures.revenue),
        "rows": [
            (_("Paid orders"), figures.paid_orders),
            (_("Refunds"), f"{figures.refunds} · {yuan_text(figures.refunded)}"),
            (_("New students"), figures.new_students),
            (_("Conversion"), _percent(figures.conversion)),
        ],
    }


def _chart(report: Dashboard) -> str:
    """Chart.js data for unfold's bar chart component (rendered by the Chart.js unfold ships)."""
    return json.dumps(
        {
            "labels": [day.day.strftime("%m-%d") for day in report.days],
            "datasets": [
                {
                    "label": _("Revenue (yuan)"),
                    "data": [float(day.revenue) for day in report.days],
                    "backgroundColor": "var(--color-primary-600)",
                },
            ],
        }
    )


CACHE_KEY = "backoffice:dashboard"


def cached_dashboard() -> Dashboard:
    """The figures, shared by every operator for DASHBOARD_CACHE_SECONDS: the aggregates scan a
    month of orders (bench/dashboard.py), a minute-old dashboard is fine. A dead cache is no
    reason to fail the page."""
    seconds = settings.DASHBOARD_CACHE_SECONDS
    if not seconds:
        return dashboard()
    try:
        report = cache.get(CACHE_KEY)
    except Exception:  # Redis down: compute it
        report = None
    if report is None:
        report = dashboard()
        with contextlib.suppress(Exception):
            cache.set(CACHE_KEY, report, seconds)
    return report


def dashboard_callback(request, context: dict) -> dict:
    if not request.user.has_perm("orders.view_order"):
        return context  # the dashboard is sales data: finance, support, the owner
    try:
        report = cached_dashboard()
    except DatabaseError:
        # A statement over DB_STATEMENT_TIMEOUT (a huge month on a small server): the admin
        # still opens, saying so, instead of an error page.
        logger.warning("dashboard: the figures could not be computed in time", exc_info=True)
        context["report_unavailable"] = True
        return context
    context.update(
        {
            "report": report,
            "period_cards": [_period_card(key, fig) for key, fig in report.periods.items()],
            "revenue_chart": _chart(report),
            "chart_total": yuan_text(sum((d.revenue for d in report.days), Decimal(0))),
            "order_change_url": reverse("admin:orders_order_changelist"),
            "message_list_url": reverse("admin:payments_paymentmessage_changelist")
            + "?flagged__exact=1",
        }
    )
    return context
