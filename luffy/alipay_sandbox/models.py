from django.db import models


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


class Notify(models.Model):
    """One async notification (one notify_id), delivered on the retry schedule until `success`."""

    trade = models.ForeignKey(Trade, on_delete=models.CASCADE, related_name="notifies")
    notify_id = models.CharField(max_length=64, unique=True)
    url = models.URLField(max_length=512)
    params = models.JSONField()  # every field except notify_time and sign, set per delivery
    attempts_made = models.PositiveSmallIntegerField(default=0)
    # When the next attempt is due; null once delivered, given up, or held for reordering.
    next_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    held = models.BooleanField(default=False)
    delivered = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.notify_id


class NotifyAttempt(models.Model):
    notify = models.ForeignKey(Notify, on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()
    params = models.JSONField()  # exactly what was POSTed
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=256, blank=True)  # connection error, or the fault applied

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.notify_id} #{self.number}"


class Fault(models.Model):
    """A misbehaviour switch: a count of how many times it still fires (delay_ms: a value)."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
