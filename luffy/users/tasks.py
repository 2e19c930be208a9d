from celery import shared_task
from django.conf import settings

from luffy.common.redis import redis_client, redis_key
from luffy.users.sms import send_sms


@shared_task(
    autoretry_for=(Exception,),
    retry_backoff=settings.SMS_RETRY_BACKOFF,
    retry_backoff_max=300,
    retry_jitter=True,
    max_retries=5,
)
def send_sms_task(mobile: str, message: str, message_id: str) -> None:
    """Send one SMS; a redelivered task does not send it twice."""
    sent_key = redis_key("sms", "sent", message_id)
    if redis_client().exists(sent_key):
        return
    send_sms(mobile, message)
    redis_client().set(sent_key, 1, ex=24 * 3600)
