"""The real build as the store serves it: hashed assets pre-compressed (brotli and gzip, written
by web/vite.config.js) and cached a year, index.html revalidated."""

import gzip
import re
import urllib.request

import pytest

pytestmark = pytest.mark.e2e


def fetch(url: str, encoding: str | None = None):
    headers = {"Accept-Encoding": encoding} if encoding else {}
    with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=10) as r:
        return r.headers, r.read()


def test_built_assets_are_served_compressed_and_cached(store):
    headers, index = fetch(store.url + "/", "br, gzip")
    assert "no-cache" in headers["Cache-Control"]
    scripts = re.findall(rb'src="(/assets/[^"]+\.js)"', index)
    assert scripts, index
    asset = store.url + scripts[0].decode()
    plain_headers, plain = fetch(asset)
    assert "Content-Encoding" not in plain_headers
    br_headers, br = fetch(asset, "br")
    assert br_headers["Content-Encoding"] == "br"
    assert br_headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert len(br) < len(plain) / 2
    gz_headers, gz = fetch(asset, "gzip")
    assert gz_headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(gz) == plain
    headers, _ = fetch(store.url + "/index.html", "br")
    assert headers["Cache-Control"] == "no-cache"
