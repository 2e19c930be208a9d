"""The dashboard's daily roll-up: the figures of each store-local day once it is over, so the
dashboard aggregates live only the days not rolled up yet (today, at least). Written by
services.sales_days_roll_up (beat task and the roll_up_sales command), read by reports.py."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from luffy.common.money import money_field


class SalesDay(models.Model):
    """One local day (TIME_ZONE): what reports.day_figures computed for it when it was rolled
    up. Rolling a day up again replaces its row and its CourseSalesDay rows."""

    day = models.DateField(_("day"), primary_key=True)
    gross = money_field(verbose_name=_("paid amount"))
    refunded = money_field(verbose_name=_("refunded amount"))
    paid_orders = models.PositiveIntegerField(_("paid orders"))
    refunds = models.PositiveIntegerField(_("refunds"))
    created_orders = models.PositiveIntegerField(_("orders created"))
    created_paid = models.PositiveIntegerField(_("orders created and paid"))
    new_students = models.PositiveIntegerField(_("new students"))
    # Refunds asked for that day still waiting for the gateway when the day was rolled up:
    # their outcome would change the day, so it is rolled up again until there are none.
    open_refunds = models.PositiveIntegerField(_("refunds awaiting the gateway"))
    rolled_up_at = models.DateTimeField(_("rolled up at"))

    class Meta:
        verbose_name = _("sales day")
        verbose_name_plural = _("sales days")

    def __str__(self) -> str:
        return f"{self.day}: {self.gross} - {self.refunded}"


class CourseSalesDay(models.Model):
    """The lines of the orders paid on one local day, per course (and the name it was sold
    under, as the live figure groups them): the dashboard's top courses."""

    day = models.DateField(_("day"))
    course = models.ForeignKey(
        "catalog.Course", on_delete=models.PROTECT, related_name="+", verbose_name=_("course")
    )
    course_name = models.CharField(_("course name"), max_length=128)
    revenue = money_field(verbose_name=_("revenue"))
    sold = models.PositiveIntegerField(_("sold"))

    class Meta:
        verbose_name = _("course sales day")
        verbose_name_plural = _("course sales days")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "course", "course_name"], name="one_course_sales_row_per_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.course_name}: {self.revenue}"
