from django.db import models

from luffy.common.sandbox.models import FaultBase, NotifyAttemptBase, NotifyBase


class Trade(models.Model):
    """One merchant order (mchid, out_trade_no) as WeChat Pay keeps it. Amounts in fen."""

    class State(models.TextChoices):
        NOTPAY = "NOTPAY"
        SUCCESS = "SUCCESS"
        REFUND = "REFUND"  # (partly) refunded after success
        CLOSED = "CLOSED"

    class Type(models.TextChoices):
        NATIVE = "NATIVE"
        MWEB = "MWEB"  # H5

    mchid = models.CharField(max_length=32)
    appid = models.CharField(max_length=32)
    out_trade_no = models.CharField(max_length=32)
    transaction_id = models.CharField(max_length=32, unique=True)
    trade_type = models.CharField(max_length=16, choices=Type)
    description = models.CharField(max_length=127)
    attach = models.CharField(max_length=128, blank=True)
    total = models.PositiveBigIntegerField()
    refunded = models.PositiveBigIntegerField(default=0)
    trade_state = models.CharField(max_length=16, choices=State, default=State.NOTPAY)
    notify_url = models.URLField(max_length=256)
    time_expire = models.DateTimeField()
    payer_client_ip = models.CharField(max_length=45, blank=True)
    payer_openid = models.CharField(max_length=128, blank=True)
    # The `pr` of code_url (Native) or the h5_url's prepay id: opens the cashier page.
    cashier_token = models.CharField(max_length=32, unique=True)
    created = models.DateTimeField(auto_now_add=True)
    success_time = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["mchid", "out_trade_no"], name="wechat_sandbox_trade_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.out_trade_no} {self.trade_state}"


class Refund(models.Model):
    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="refunds")
    out_refund_no = models.CharField(max_length=64)
    refund_id = models.CharField(max_length=32, unique=True)
    amount = models.PositiveBigIntegerField()
    reason = models.CharField(max_length=80, blank=True)
    status = models.CharField(max_length=16, default="SUCCESS")
    notify_url = models.URLField(max_length=256, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    success_time = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["trade", "out_refund_no"], name="wechat_sandbox_refund_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.out_refund_no} {self.amount}"


class Notify(NotifyBase):
    """One notify (one id), delivered on WeChat's retry schedule until a 200/204 answer."""

    event_type = models.CharField(max_length=32)  # TRANSACTION.SUCCESS, REFUND.SUCCESS
    url = models.URLField(max_length=256)
    resource = models.JSONField()  # the plaintext, encrypted afresh for each delivery


class NotifyAttempt(NotifyAttemptBase):
    body = models.TextField()  # exactly what was POSTed
    headers = models.JSONField(default=dict)  # the Wechatpay-* headers sent


class Fault(FaultBase):
    """This sandbox's switches (their names: faults.FAULTS)."""
