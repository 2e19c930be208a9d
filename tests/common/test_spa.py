"""The Vue app's history-mode fallback: page paths get index.html, the API keeps JSON 404s."""

import pytest


@pytest.fixture
def built_app(settings, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><div id=app></div>")
    settings.WEB_DIST_DIR = tmp_path
    return tmp_path


@pytest.mark.parametrize("path", ["/", "/courses/3", "/player/2?lesson=5", "/no/such/page"])
def test_page_paths_get_index_html(client, built_app, path):
    response = client.get(path)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    assert b"<div id=app>" in response.content
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/api/unknown/", "/api/courses/x/"])
def test_unknown_api_paths_stay_json_404(client, built_app, path):
    response = client.get(path)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_static_and_media_paths_are_not_the_app(client, built_app):
    assert client.get("/static/missing.js").status_code == 404
    assert client.get("/media/missing.png").status_code == 404


def test_unbuilt_app_says_how_to_build_it(client, settings, tmp_path):
    settings.WEB_DIST_DIR = tmp_path / "missing"
    response = client.get("/courses/3")
    assert response.status_code == 503
    assert b"make run" in response.content


def test_only_reads_reach_the_app(client, built_app):
    assert client.post("/courses/3").status_code == 405
