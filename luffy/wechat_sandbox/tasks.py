from luffy.wechat_sandbox.celery import app
from luffy.wechat_sandbox.notify import runner


@app.task(ignore_result=True)
def deliver_notifies() -> int:
    """Send the notify attempts that are due (beat, every poll interval; and at once after a
    payment or refund). Safe to run twice at once: each attempt is claimed by a conditional
    update."""
    return runner.deliver_due()
