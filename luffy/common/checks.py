"""System checks for combinations of settings that would lose money-relevant traffic."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core import checks
from django.utils.translation import gettext as _

NOTIFY = "notify"  # the tag luffy/config/wsgi.py runs at start-up, so gunicorn refuses too


@checks.register(checks.Tags.security, NOTIFY)
def check_notify_not_redirected(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """With SECURE_SSL_REDIRECT, a plain-http request is answered 301 to https. The gateway
    does not follow redirects for its server-to-server notify: an http ALIPAY_NOTIFY_URL whose
    path is not in SECURE_REDIRECT_EXEMPT would never reach the store (orders then settle only
    through the return page, the sweep or reconciliation)."""
    url = getattr(settings, "ALIPAY_NOTIFY_URL", "")
    if not settings.SECURE_SSL_REDIRECT or not url:
        return []
    parts = urlsplit(url)
    if parts.scheme == "https":
        return []
    path = parts.path.lstrip("/")  # as SecurityMiddleware matches it
    if any(re.search(pattern, path) for pattern in settings.SECURE_REDIRECT_EXEMPT):
        return []
    return [
        checks.Error(
            _("ALIPAY_NOTIFY_URL %(url)s is plain http while SECURE_SSL_REDIRECT redirects "
              "http to https: the gateway's notifies would be redirected and lost.")
            % {"url": url},
            hint=_("Give ALIPAY_NOTIFY_URL an https:// address served by your TLS proxy (it "
                   "must set X-Forwarded-Proto: https), or exempt its path from the redirect "
                   "with SECURE_REDIRECT_EXEMPT=^%(path)s$ , or, with no TLS at all, set "
                   "SECURE_SSL_REDIRECT=false.") % {"path": re.escape(path)},
            id="luffy.E001",
        )
    ]  # fmt: skip
