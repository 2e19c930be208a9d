from django.db.models import Q

from luffy.users.models import CreditEntry, User
from luffy.users.validators import clean_mobile


def mobile_is_registered(*, mobile: str) -> bool:
    return User.objects.filter(mobile=clean_mobile(mobile)).exists()


def credit_history(*, user_id: int):
    """The user's credit ledger, newest first, as rows (dicts) with the order's number, lazily
    (paginate it: count, page)."""
    return (
        CreditEntry.objects.filter(user_id=user_id)
        .order_by("-id")
        .values(
            "id", "amount", "balance_after", "reason", "order__order_number", "note", "created_at"
        )
    )


def login_account_id(*, username: str) -> int | None:
    """The account a login name means, as UsernameOrMobileBackend reads it (one query)."""
    return (
        User._default_manager.filter(Q(username=username) | Q(mobile=username))
        .order_by("id")
        .values_list("id", flat=True)
        .first()
    )


def masked_mobile(mobile: str) -> str:
    """138****1234: enough for its owner to recognise, not the whole number."""
    if len(mobile) != 11:
        return mobile
    return f"{mobile[:3]}****{mobile[-4:]}"
