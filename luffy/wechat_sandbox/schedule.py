"""WeChat Pay's notify retry schedule (its "支付通知" page): no models here, so tests and docs
can read it without the sandbox's database."""

from datetime import timedelta

# After delivery n fails, the next comes this much later: 16 deliveries within about 24 h.
RETRY_GAPS = [
    timedelta(seconds=15),
    timedelta(seconds=15),
    timedelta(seconds=30),
    timedelta(minutes=3),
    timedelta(minutes=10),
    timedelta(minutes=20),
    timedelta(minutes=30),
    timedelta(minutes=30),
    timedelta(minutes=30),
    timedelta(minutes=60),
    timedelta(hours=3),
    timedelta(hours=3),
    timedelta(hours=3),
    timedelta(hours=6),
    timedelta(hours=6),
]
MAX_ATTEMPTS = len(RETRY_GAPS) + 1
