import subprocess
import sys

import pytest
from django.test import override_settings

from luffy.config.settings import base

DEAD_REDIS = {
    **base.CACHES["default"],
    "LOCATION": "unix:///nonexistent/luffy-test/redis.sock?db=0",
}


@pytest.mark.django_db
class TestHealth:
    def test_ok(self, client):
        response = client.get("/healthz")
        assert response.status_code == 200
        body = response.json()
        assert body["status"] == "ok"
        assert body["checks"] == {"database": "ok", "redis": "ok", "broker": "ok"}

    def test_redis_down_is_503_naming_redis(self, client):
        with override_settings(CACHES={"default": DEAD_REDIS}):
            response = client.get("/healthz")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "down"
        assert body["checks"]["database"] == "ok"
        assert body["checks"]["redis"].startswith("down")

    def test_database_down_is_503(self, client, monkeypatch):
        from luffy.common import views

        def broken():
            raise ConnectionError("db gone")

        monkeypatch.setitem(views.HEALTH_CHECKS, "database", broken)
        response = client.get("/healthz")
        assert response.status_code == 503
        assert response.json()["checks"] == {
            "database": "down: ConnectionError",
            "redis": "ok",
            "broker": "ok",
        }


@pytest.mark.django_db
class TestErrorShape:
    def test_unknown_api_path_is_json_404(self, client):
        response = client.get("/api/no-such-thing/")
        assert response.status_code == 404
        assert response.json() == {"detail": "接口不存在。", "code": "not_found"}

    def test_validation_errors_name_fields(self, api_client):
        response = api_client.post("/api/users/login/", {}, format="json")
        assert response.status_code == 400
        body = response.json()
        assert body["code"] == "invalid"
        assert set(body["errors"]) == {"username", "password"}
        assert body["detail"].startswith("username: ")

    def test_malformed_json_is_400(self, api_client):
        response = api_client.generic(
            "POST", "/api/users/login/", "{not json", content_type="application/json"
        )
        assert response.status_code == 400
        assert response.json()["code"] == "parse_error"

    def test_wrong_method_is_405(self, api_client):
        response = api_client.delete("/api/users/login/")
        assert response.status_code == 405
        assert response.json()["code"] == "method_not_allowed"

    def test_redis_down_during_a_request_is_503_not_500(self, api_client, user):
        with override_settings(CACHES={"default": DEAD_REDIS}):
            response = api_client.post(
                "/api/users/login/", {"username": user.username, "password": "x"}
            )
        assert response.status_code == 503
        assert response.json()["code"] == "redis_unavailable"


@pytest.mark.django_db
class TestApiDocs:
    def test_schema_documents_errors(self, client):
        response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert response.status_code == 200
        schema = response.json()
        login = schema["paths"]["/api/users/login/"]["post"]["responses"]
        assert {"200", "400", "401", "429"} <= set(login)
        assert login["401"]["content"]["application/json"]["schema"]["$ref"].endswith("/Error")

    def test_docs_page_loads_assets_locally(self, client):
        response = client.get("/api/docs/")
        assert response.status_code == 200
        assert b"swagger-ui" in response.content
        assert b"cdn.jsdelivr" not in response.content


def _load_production_settings(**env):
    code = "import luffy.config.settings.production"
    clean = {"PATH": "/usr/bin:/bin", **env}
    return subprocess.run(
        [sys.executable, "-c", code], env=clean, capture_output=True, text=True, check=False
    )


class TestProductionSettings:
    def test_refuses_default_secret_key(self):
        result = _load_production_settings()
        assert result.returncode != 0
        assert "SECRET_KEY" in result.stderr

    def test_refuses_debug(self):
        result = _load_production_settings(SECRET_KEY="k" * 60, DEBUG="true")
        assert result.returncode != 0
        assert "DEBUG must be off" in result.stderr

    def test_starts_with_a_real_key(self):
        result = _load_production_settings(SECRET_KEY="k" * 60)
        assert result.returncode == 0, result.stderr
