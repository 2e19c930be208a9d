"""The offline sandbox has its own /healthz (issue 14)."""

import json

import pytest
from django.test import RequestFactory, override_settings

from luffy.alipay_sandbox import health


def test_the_running_sandbox_answers_its_healthz(sandbox_server):
    status, body = sandbox_server.request("/healthz", headers={})
    assert status == 200
    assert json.loads(body) == {"status": "ok", "checks": {"database": "ok"}}


@pytest.mark.django_db
def test_with_celery_delivery_a_dead_broker_is_503_naming_it():
    request = RequestFactory().get("/healthz")
    with override_settings(
        ALIPAY_SANDBOX_NOTIFY_RUNNER="celery", CELERY_BROKER_URL="redis://127.0.0.1:1/0"
    ):
        response = health.healthz(request)
    assert response.status_code == 503
    body = json.loads(response.content)
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["broker"].startswith("down")
