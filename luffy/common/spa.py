"""The Vue front end: index.html for every page path, so the router's history mode works on a
reload or a shared link. The built files themselves (web/dist/assets/...) are served by
WhiteNoise from WHITENOISE_ROOT."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

NOT_BUILT = (
    "<!doctype html><meta charset=utf-8><title>Luffy</title>"
    "<p>The web front end is not built yet. <code>make run</code> builds it (needs Node.js 20.19+ "
    "and npm); the API is at <a href='/api/docs/'>/api/docs/</a>.</p>"
)


@never_cache  # index.html names the hashed assets of the current build
@require_safe
def spa_index(request, path: str = ""):
    index = settings.WEB_DIST_DIR / "index.html"
    try:
        return HttpResponse(index.read_bytes(), content_type="text/html; charset=utf-8")
    except FileNotFoundError:
        return HttpResponse(NOT_BUILT, status=503, content_type="text/html; charset=utf-8")
