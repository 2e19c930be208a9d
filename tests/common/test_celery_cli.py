"""The Celery app works from its own command line, not only inside a worker (issue 14)."""

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from kombu import Connection

ROOT = Path(__file__).resolve().parents[2]


def _drain(queue) -> None:
    while True:
        try:
            queue.get(block=False).ack()
        except queue.Empty:
            return


def test_celery_call_sends_the_task_to_the_broker(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "luffy.config.settings.local",
        "LUFFY_VAR_DIR": str(tmp_path),
        "REDIS_URL": settings.REDIS_URL,
        "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
    }
    with Connection(settings.CELERY_BROKER_URL) as conn:
        queue = conn.SimpleQueue("celery")
        try:
            _drain(queue)
            result = subprocess.run(
                [sys.executable, "-m", "celery", "-A", "luffy", "call",
                 "luffy.payments.tasks.reconcile_payments"],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-3000:]
            task_id = result.stdout.strip().splitlines()[-1]
            message = queue.get(timeout=10)
            message.ack()
            assert message.headers["task"] == "luffy.payments.tasks.reconcile_payments"
            assert message.headers["id"] == task_id
        finally:
            queue.close()
