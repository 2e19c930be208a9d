from django.db import models

from luffy.common.money import money_field


class PaymentMessage(models.Model):
    """Every message from the gateway, stored raw before it is judged, with the verdict."""

    class Source(models.TextChoices):
        RETURN = "return", "return redirect"
        NOTIFY = "notify", "async notify"
        QUERY = "query", "alipay.trade.query"
        RECONCILE = "reconcile", "reconciliation"

    source = models.CharField(max_length=16, choices=Source.choices)
    out_trade_no = models.CharField(max_length=64, blank=True, db_index=True)
    notify_id = models.CharField(max_length=128, blank=True)
    raw = models.JSONField()
    verified = models.BooleanField(null=True, help_text="signature checked: yes / no / not yet")
    outcome = models.CharField(max_length=32, blank=True)
    detail = models.CharField(max_length=255, blank=True)
    flagged = models.BooleanField(default=False, help_text="needs a person to look at it")
    created_at = models.DateTimeField(auto_now_add=True)
    judged_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["flagged", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.source} {self.out_trade_no} {self.outcome or 'unjudged'}"


class Refund(models.Model):
    """A refund request to the gateway and its answer. out_request_no makes a retry the same
    refund, never a second one."""

    class Status(models.TextChoices):
        REQUESTED = "requested"
        SUCCEEDED = "succeeded"
        FAILED = "failed"

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="refunds")
    # The gateway (GatewayKind value) whose payment this gives back: an order paid twice, once
    # by each gateway, has the second payment refunded through its own gateway.
    gateway = models.CharField(max_length=16, default="alipay")
    out_request_no = models.CharField(max_length=64, unique=True)
    amount = money_field()
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.REQUESTED)
    response = models.JSONField(null=True, blank=True)
    # Set while a path is asking the gateway for this refund: nobody else asks at the same time.
    attempted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.out_request_no} {self.amount} {self.status}"


class Trade(models.Model):
    """The gateway side of an order: one row per order and gateway, created when the first pay
    URL is issued. `trade_no` is the gateway's own number, recorded when it settles the order;
    unique, so one gateway trade settles at most one order (null, not "", until then)."""

    class Status(models.TextChoices):
        SENT = "sent", "pay URL issued"
        PAID = "paid", "paid"

    order = models.ForeignKey("orders.Order", on_delete=models.PROTECT, related_name="trades")
    # A GatewayKind value ("alipay", ...), from the order's pay_type (gateway_for). No choices
    # here, so that a new gateway is a new module, not a migration.
    gateway = models.CharField(max_length=16)
    out_trade_no = models.CharField(max_length=64)
    sent_at = models.DateTimeField(null=True, blank=True, help_text="first pay URL issued")
    trade_no = models.CharField(max_length=64, unique=True, null=True, blank=True)
    amount = money_field()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SENT)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["order", "gateway"], name="one_trade_per_gateway"),
            models.UniqueConstraint(
                fields=["gateway", "out_trade_no"], name="trade_out_trade_no_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.gateway} {self.out_trade_no} {self.trade_no or '-'} {self.status}"
