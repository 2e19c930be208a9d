from luffy.users.models import User
from luffy.users.validators import clean_mobile


def mobile_is_registered(*, mobile: str) -> bool:
    return User.objects.filter(mobile=clean_mobile(mobile)).exists()
