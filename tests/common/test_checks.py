"""Production settings that would redirect the gateway's plain-http notify to https (and so
lose it) refuse to start: a system check, also run when gunicorn loads the app (issue 14)."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import override_settings

from luffy.common.checks import check_notify_not_redirected

ROOT = Path(__file__).resolve().parents[2]
HTTP_NOTIFY = "http://shop.example.com/api/payments/alipay/result/"


@pytest.mark.parametrize(
    ("redirect", "url", "exempt", "refused"),
    [
        (True, HTTP_NOTIFY, [r"^healthz$"], True),
        (True, HTTP_NOTIFY, [r"^healthz$", r"^api/payments/alipay/result/$"], False),
        (True, "https://shop.example.com/api/payments/alipay/result/", [], False),
        (False, HTTP_NOTIFY, [], False),
    ],
)
def test_an_http_notify_behind_the_https_redirect_is_an_error(redirect, url, exempt, refused):
    with override_settings(
        SECURE_SSL_REDIRECT=redirect, ALIPAY_NOTIFY_URL=url, SECURE_REDIRECT_EXEMPT=exempt
    ):
        errors = check_notify_not_redirected()
    assert [e.id for e in errors] == (["luffy.E001"] if refused else [])
    if refused:
        assert "SECURE_REDIRECT_EXEMPT=^api/payments/alipay/result/$" in errors[0].hint


def _production(code: list[str], **extra) -> subprocess.CompletedProcess:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DJANGO_SETTINGS_MODULE": "luffy.config.settings.production",
        "SECRET_KEY": "k" * 60,
        "LUFFY_VAR_DIR": extra.pop("var_dir"),
        "ALIPAY_NOTIFY_URL": HTTP_NOTIFY,
        **extra,
    }
    return subprocess.run(
        [sys.executable, *code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_manage_py_and_the_wsgi_app_refuse_and_say_what_to_set(tmp_path):
    check = _production(["manage.py", "check"], var_dir=str(tmp_path))
    assert check.returncode != 0
    assert "luffy.E001" in check.stderr and "SECURE_REDIRECT_EXEMPT" in check.stderr
    wsgi = _production(["-c", "import luffy.config.wsgi"], var_dir=str(tmp_path))
    assert wsgi.returncode != 0
    assert "ImproperlyConfigured" in wsgi.stderr and "luffy.E001" in wsgi.stderr


def test_the_exemption_by_environment_lets_it_start(tmp_path):
    started = _production(
        ["-c", "import luffy.config.wsgi"],
        var_dir=str(tmp_path),
        SECURE_REDIRECT_EXEMPT=r"^api/payments/alipay/result/$",
    )
    assert started.returncode == 0, started.stderr[-2000:]
