from django.db import models

from luffy.common.sandbox.models import FaultBase, NotifyAttemptBase, NotifyBase


class Trade(models.Model):
    class Status(models.TextChoices):
        WAIT_BUYER_PAY = "WAIT_BUYER_PAY"
        TRADE_SUCCESS = "TRADE_SUCCESS"
        TRADE_CLOSED = "TRADE_CLOSED"
        TRADE_FINISHED = "TRADE_FINISHED"

    app_id = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=64)
    trade_no = models.CharField(max_length=28, unique=True)
    subject = models.CharField(max_length=256)
    body = models.CharField(max_length=128, blank=True)
    total_amount = models.DecimalField(max_digits=12, decimal_places=2)
    refund_fee = models.DecimalField(max_digits=12, decimal_places=2, default=0)
    status = models.CharField(max_length=16, choices=Status, default=Status.WAIT_BUYER_PAY)
    return_url = models.URLField(max_length=512, blank=True)
    notify_url = models.URLField(max_length=512, blank=True)
    passback_params = models.CharField(max_length=512, blank=True)
    time_expire = models.DateTimeField()
    buyer_id = models.CharField(max_length=16, blank=True)
    cashier_token = models.CharField(max_length=32, unique=True)
    gmt_create = models.DateTimeField(auto_now_add=True)
    gmt_payment = models.DateTimeField(null=True, blank=True)
    gmt_close = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["app_id", "out_trade_no"], name="sandbox_trade_unique")
        ]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.status}"


class Refund(models.Model):
    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="refunds")
    out_request_no = models.CharField(max_length=64)
    amount = models.DecimalField(max_digits=12, decimal_places=2)
    reason = models.CharField(max_length=256, blank=True)
    gmt_refund = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trade", "out_request_no"], name="sandbox_refund_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.out_request_no} {self.amount}"


class Notify(NotifyBase):
    """One async notification (one notify_id), delivered on Alipay's schedule until `success`."""

    url = models.URLField(max_length=512)
    params = models.JSONField()  # every field except notify_time and sign, set per delivery


class NotifyAttempt(NotifyAttemptBase):
    params = models.JSONField()  # exactly what was POSTed


class Fault(FaultBase):
    """This sandbox's switches (their names: faults.FAULTS)."""
