"""Token-only authentication that still refuses deactivated and deleted accounts at once."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed

from luffy.users.active_cache import user_is_active


class ActiveTokenUserAuthentication(JWTStatelessUserAuthentication):
    """The user id from the token, no user row loaded; the account's state from a cached flag
    (one Redis GET, see luffy.users.active_cache). The stateful JWTAuthentication used
    everywhere else loads the user and refuses inactive or missing ones by itself."""

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        if not user_is_active(user_id=user.id):
            raise AuthenticationFailed(
                _("This account is disabled or no longer exists."), code="user_inactive"
            )
        return user
