"""Abstract models of the rows every sandbox keeps the same way: its fault switches, its notifies
(each delivered on a retry schedule) and every delivery attempt. A sandbox subclasses them with
its protocol's fields: what a notify carries, what an attempt sent, the URL's length."""

from django.db import models


class NotifyBase(models.Model):
    """One notify (one id), delivered on the retry schedule until the merchant accepts it."""

    # Resolved in the subclass's app: each sandbox's own Trade.
    trade = models.ForeignKey("Trade", on_delete=models.CASCADE, related_name="notifies")
    notify_id = models.CharField(max_length=64, unique=True)
    attempts_made = models.PositiveSmallIntegerField(default=0)
    # When the next attempt is due; null once delivered, given up, or held for reordering.
    next_due_at = models.DateTimeField(null=True, blank=True, db_index=True)
    held = models.BooleanField(default=False)
    delivered = models.BooleanField(default=False)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return self.notify_id


class NotifyAttemptBase(models.Model):
    notify = models.ForeignKey("Notify", on_delete=models.CASCADE, related_name="attempts")
    number = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField()
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    response_body = models.TextField(blank=True)
    error = models.CharField(max_length=256, blank=True)  # connection error, or the fault applied

    class Meta:
        abstract = True
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.notify_id} #{self.number}"


class FaultBase(models.Model):
    """A misbehaviour switch: a count of how many times it still fires (delay_ms: a value)."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return f"{self.name}={self.value}"
