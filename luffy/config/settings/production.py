"""Production: everything secret or host-specific must come from the environment."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import SECRET_KEY, env

DEBUG = env.bool("DEBUG", default=False)
if DEBUG:
    raise ImproperlyConfigured("DEBUG must be off in production settings.")
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured(
        "Set SECRET_KEY to a random string of at least 50 characters for production, e.g. "
        '`python -c "import secrets; print(secrets.token_urlsafe(64))"`.'
    )

# TLS is terminated by the proxy in front; it must set X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Paths (regexes, no leading slash) answered on plain http too: the health check, and e.g. the
# gateway's notify path when ALIPAY_NOTIFY_URL is http (check luffy.E001 refuses to start if a
# plain-http notify would be redirected).
SECURE_REDIRECT_EXEMPT = [r"^healthz$", *env.list("SECURE_REDIRECT_EXEMPT", default=[])]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 30)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
# Preload is a commitment to the browsers' list, made by the operator, not by default.
SILENCED_SYSTEM_CHECKS = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
SECURE_CONTENT_TYPE_NOSNIFF = True
SERVE_MEDIA = env.bool("SERVE_MEDIA", default=False)
