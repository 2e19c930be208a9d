"""drf-spectacular extensions, loaded by luffy.common's AppConfig.ready()."""

from drf_spectacular.contrib.rest_framework_simplejwt import SimpleJWTScheme


class StatelessJWTScheme(SimpleJWTScheme):
    """The cart's token-only authentication: the same bearer token, documented under its own
    name (spectacular's built-in one reuses "jwtAuth" and collides with the stateful scheme)."""

    target_class = "rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication"
    match_subclasses = True  # luffy.users.authentication.ActiveTokenUserAuthentication
    name = "jwtTokenOnly"
    priority = 1
