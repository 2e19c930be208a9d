from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from luffy.common.errors import ValidationFailed

MOBILE_PATTERN = r"^1[3-9]\d{9}$"

validate_mobile = RegexValidator(
    MOBILE_PATTERN,
    message=_("Enter a mainland China mobile number: 11 digits starting with 13-19."),
    code="invalid_mobile",
)


def clean_mobile(mobile: str, *, field: str = "mobile") -> str:
    """The mobile number stripped, or a 400-mapped error naming `field`."""
    mobile = (mobile or "").strip()
    try:
        validate_mobile(mobile)
    except ValidationError as exc:
        raise ValidationFailed(exc.messages[0], code="invalid_mobile", field=field) from exc
    return mobile
