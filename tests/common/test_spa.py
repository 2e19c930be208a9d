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


ASSET = "/assets/index-D_n4uG_O.js"
SCRIPT = b"export const greeting = 'hello';\n" * 400
BROTLI_STAND_IN = (
    b"brotli bytes"  # WhiteNoise serves the file as it is; the build makes the real one
)


@pytest.fixture
def compressed_build(settings, tmp_path):
    """A build as `vite build` leaves it (web/vite.config.js): files with .br and .gz copies."""
    import gzip

    (tmp_path / "assets").mkdir()
    files = {
        "assets/index-D_n4uG_O.js": SCRIPT,
        "index.html": b"<!doctype html><div id=app></div>" + b" " * 2000,
        "favicon.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>" * 50,
    }
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
        (tmp_path / f"{name}.gz").write_bytes(gzip.compress(data))
        (tmp_path / f"{name}.br").write_bytes(BROTLI_STAND_IN)
    settings.WEB_DIST_DIR = settings.WHITENOISE_ROOT = tmp_path
    return tmp_path


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


@pytest.mark.parametrize("encoding", ["br", "gzip"])
def test_hashed_assets_are_served_compressed_and_cached_a_year(client, compressed_build, encoding):
    import gzip

    response = client.get(ASSET, HTTP_ACCEPT_ENCODING=f"{encoding}, deflate")
    assert response.status_code == 200
    assert response["Content-Encoding"] == encoding
    assert "Accept-Encoding" in response["Vary"]
    assert response["Cache-Control"] == "public, max-age=31536000, immutable"
    body = _body(response)
    assert body == BROTLI_STAND_IN if encoding == "br" else gzip.decompress(body) == SCRIPT


def test_clients_without_compression_get_the_plain_file(client, compressed_build):
    response = client.get(ASSET)
    assert "Content-Encoding" not in response
    assert _body(response) == SCRIPT


def test_html_is_revalidated_and_other_files_kept_briefly(client, compressed_build):
    index = client.get("/index.html", HTTP_ACCEPT_ENCODING="br")
    assert index["Cache-Control"] == "no-cache"
    assert index["Content-Encoding"] == "br"
    assert "no-cache" in client.get("/courses/3")["Cache-Control"]
    icon = client.get("/favicon.svg", HTTP_ACCEPT_ENCODING="gzip")
    assert icon["Cache-Control"] == "max-age=60, public"
    assert icon["Content-Encoding"] == "gzip"
