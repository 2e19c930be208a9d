"""Token-only authentication that still refuses deactivated and deleted accounts, and tokens
issued before the password was changed or reset, at once."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework_simplejwt.authentication import JWTStatelessUserAuthentication
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.settings import api_settings

from luffy.users.active_cache import user_token_stamp

# The same msgid and code as simplejwt's own check in JWTAuthentication (CHECK_REVOKE_TOKEN), so
# both answer alike; its translation lives in our catalogue (simplejwt's zh_Hans has none).
PASSWORD_CHANGED = _("The user's password has been changed.")


def token_stamp_check(token) -> None:
    """Refuse a token of an inactive or deleted account, or one whose password stamp is not the
    account's current one (issued before a password change or reset). One cached Redis GET."""
    stamp = user_token_stamp(user_id=token[api_settings.USER_ID_CLAIM])
    if stamp is None:
        raise AuthenticationFailed(
            _("This account is disabled or no longer exists."), code="user_inactive"
        )
    if token.get(api_settings.REVOKE_TOKEN_CLAIM) != stamp:
        raise AuthenticationFailed(PASSWORD_CHANGED, code="password_changed")


class ActiveTokenUserAuthentication(JWTStatelessUserAuthentication):
    """The user id from the token, no user row loaded; the account's state from a cached flag
    (one Redis GET, see luffy.users.active_cache). The stateful JWTAuthentication used
    everywhere else loads the user and refuses inactive or missing ones, and old password
    stamps (SIMPLE_JWT["CHECK_REVOKE_TOKEN"]), by itself."""

    def get_user(self, validated_token):
        user = super().get_user(validated_token)
        token_stamp_check(validated_token)
        return user
