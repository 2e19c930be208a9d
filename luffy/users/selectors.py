from luffy.users.models import CreditEntry, User
from luffy.users.validators import clean_mobile


def mobile_is_registered(*, mobile: str) -> bool:
    return User.objects.filter(mobile=clean_mobile(mobile)).exists()


def credit_history(*, user_id: int):
    return CreditEntry.objects.filter(user_id=user_id).select_related("order").order_by("-id")
