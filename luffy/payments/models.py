from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from luffy.common.money import money_field


class PaymentMessage(models.Model):
    """Every message from the gateway, stored raw before it is judged, with the verdict."""

    class Source(models.TextChoices):
        RETURN = "return", _("return redirect")
        NOTIFY = "notify", _("async notify")
        QUERY = "query", _("active query")
        RECONCILE = "reconcile", _("reconciliation")

    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    out_trade_no = models.CharField(_("out trade number"), max_length=64, blank=True, db_index=True)
    notify_id = models.CharField(_("notify id"), max_length=128, blank=True)
    raw = models.JSONField(_("raw message"))
    verified = models.BooleanField(
        _("signature verified"), null=True, help_text=_("signature checked: yes / no / not yet")
    )
    outcome = models.CharField(_("outcome"), max_length=32, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    flagged = models.BooleanField(
        _("flagged"), default=False, help_text=_("needs a person to look at it")
    )
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)
    judged_at = models.DateTimeField(_("judged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment message")
        verbose_name_plural = _("payment messages")
        indexes = [models.Index(fields=["flagged", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.get_source_display()} · {self.out_trade_no}"


class Refund(models.Model):
    """A refund request to the gateway and its answer. out_request_no makes a retry the same
    refund, never a second one."""

    class Status(models.TextChoices):
        REQUESTED = "requested", _("requested")
        SUCCEEDED = "succeeded", _("succeeded")
        FAILED = "failed", _("failed")

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="refunds", verbose_name=_("order")
    )
    # The gateway (GatewayKind value) whose payment this gives back: an order paid twice, once
    # by each gateway, has the second payment refunded through its own gateway.
    gateway = models.CharField(_("gateway"), max_length=16, default="alipay")
    out_request_no = models.CharField(_("refund request number"), max_length=64, unique=True)
    amount = money_field(verbose_name=_("amount"))
    reason = models.CharField(_("reason"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.REQUESTED
    )
    response = models.JSONField(_("gateway answer"), null=True, blank=True)
    # Set while a path is asking the gateway for this refund: nobody else asks at the same time.
    attempted_at = models.DateTimeField(_("attempted at"), null=True, blank=True)
    # Who asked for it in the admin; empty for the automatic refunds of late payments.
    staff_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+", verbose_name=_("staff user"),
    )  # fmt: skip
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        indexes = [models.Index(fields=["created_at"], name="refund_created_at")]

    def __str__(self) -> str:
        return f"{self.out_request_no} · {self.amount} · {self.get_status_display()}"


class Trade(models.Model):
    """The gateway side of an order: one row per order and gateway, created when the first pay
    URL is issued. `trade_no` is the gateway's own number, recorded when it settles the order;
    unique, so one gateway trade settles at most one order (null, not "", until then)."""

    class Status(models.TextChoices):
        SENT = "sent", _("pay URL issued")
        PAID = "paid", _("paid")

    order = models.ForeignKey(
        "orders.Order", on_delete=models.PROTECT, related_name="trades", verbose_name=_("order")
    )
    # A GatewayKind value ("alipay", ...), from the order's pay_type (gateway_for). No choices
    # here, so that a new gateway is a new module, not a migration.
    gateway = models.CharField(_("gateway"), max_length=16)
    out_trade_no = models.CharField(_("out trade number"), max_length=64)
    sent_at = models.DateTimeField(
        _("sent at"), null=True, blank=True, help_text=_("first pay URL issued")
    )
    trade_no = models.CharField(
        _("gateway trade number"), max_length=64, unique=True, null=True, blank=True
    )
    amount = money_field(verbose_name=_("amount"))
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.SENT
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("gateway trade")
        verbose_name_plural = _("gateway trades")
        constraints = [
            models.UniqueConstraint(fields=["order", "gateway"], name="one_trade_per_gateway"),
            models.UniqueConstraint(
                fields=["gateway", "out_trade_no"], name="trade_out_trade_no_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.out_trade_no} · {self.trade_no or '-'} · {self.get_status_display()}"
