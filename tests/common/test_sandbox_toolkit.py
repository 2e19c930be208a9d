"""Both offline sandboxes are built from one toolkit (luffy.common.sandbox): what each derives
from its app label must name things that exist, and its server settings must be its own. Run in
a subprocess with the sandbox's settings: the store's test process does not install the
sandboxes' models."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import json, threading
import django
django.setup()
from django.conf import settings
from django.utils.module_loading import import_string
from luffy.{app}_sandbox import notify, views
runner = notify.runner
task = import_string(runner.celery_task)
runner.start_loop()
print(json.dumps({{
    "prefix": runner.settings_prefix,
    "task": task.name,
    "beat_task": settings.CELERY_BEAT_SCHEDULE["deliver-notifies"]["task"],
    "threads": [t.name for t in threading.enumerate()],
    "token_file": str(getattr(settings, runner.settings_prefix + "_CONTROL_TOKEN_FILE")),
    "installed": settings.INSTALLED_APPS,
    "queue": settings.CELERY_TASK_DEFAULT_QUEUE,
    "control_prefix": views.control.settings_prefix,
    "trade_model": views.control.trade_model._meta.label,
}}))
"""


@pytest.mark.parametrize("app", ["alipay", "wechat"])
def test_what_a_sandbox_derives_from_its_app_exists(app, tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "LUFFY_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": f"luffy.{app}_sandbox.settings",
        f"{app.upper()}_SANDBOX_DATABASE_URL": f"sqlite:///{tmp_path / 'sandbox.sqlite3'}",
    }
    result = subprocess.run(
        [sys.executable, "-c", PROBE.format(app=app)],
        env=env, capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    prefix = f"{app.upper()}_SANDBOX"
    assert seen["prefix"] == seen["control_prefix"] == prefix
    task = f"luffy.{app}_sandbox.tasks.deliver_notifies"
    assert seen["task"] == seen["beat_task"] == task
    assert f"{app}-sandbox-notify" in seen["threads"]
    assert seen["token_file"] == str(tmp_path / f"{app}_sandbox_control_token")
    assert (tmp_path / f"{app}_sandbox_control_token").read_text().strip()
    assert seen["installed"] == [f"luffy.{app}_sandbox"]
    assert seen["queue"] == f"{app}_sandbox"
    assert seen["trade_model"] == f"{app}_sandbox.Trade"
