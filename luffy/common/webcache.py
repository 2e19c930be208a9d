"""Cache headers for the built front end (WHITENOISE_ADD_HEADERS_FUNCTION). No Django imports:
the settings module imports it."""

from __future__ import annotations

ONE_YEAR = 365 * 24 * 60 * 60


def web_cache_headers(headers, path: str, url: str) -> None:
    """A hashed asset (WHITENOISE_IMMUTABLE_FILE_TEST: WhiteNoise has marked it immutable) never
    changes: browsers keep it a year without asking again. An HTML file names the current
    build's assets, so it is revalidated on every load. Anything else keeps WhiteNoise's
    short max-age."""
    if "immutable" in headers.get("Cache-Control", ""):
        headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    elif url.endswith(".html"):
        headers["Cache-Control"] = "no-cache"
