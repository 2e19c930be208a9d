"""The admin's login form, guarded like the API login (luffy.users.services.user_login)."""

from __future__ import annotations

import redis
from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from unfold.forms import AuthenticationForm as AdminAuthenticationForm  # styled by the admin theme

from luffy.common.errors import NotAuthenticated, RateLimited
from luffy.users import services
from luffy.users.api import client_ip


class GuardedAdminAuthenticationForm(AdminAuthenticationForm):
    """Counts failures per IP and per account, and refuses a locked account (even with the
    right password) with a message saying when to retry."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = services.user_login(
                    username=username,
                    password=password,
                    client_ip=client_ip(self.request),
                    request=self.request,
                )
            except RateLimited as exc:
                raise ValidationError(exc.message, code="login_throttled") from exc
            except NotAuthenticated as exc:
                raise self.get_invalid_login_error() from exc
            except redis.RedisError as exc:  # failures can't be counted: refuse, fail closed
                raise ValidationError(
                    gettext("The login service is temporarily unavailable; try again shortly."),
                    code="login_unavailable",
                ) from exc
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data
