from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.db.models import Q


class UsernameOrMobileBackend(ModelBackend):
    """Log in with either the username or the mobile number."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if username is None or password is None:
            return None
        user_model = get_user_model()
        # Usernames that look like a mobile number are reserved to that number's owner (see
        # user_update), so at most one account matches either way.
        user = (
            user_model._default_manager.filter(Q(username=username) | Q(mobile=username))
            .order_by("id")
            .first()
        )
        if user is None:
            # Spend the same time as a wrong password, so timing does not reveal accounts.
            user_model().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
