from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework import serializers
from rest_framework_simplejwt.exceptions import AuthenticationFailed
from rest_framework_simplejwt.serializers import TokenRefreshSerializer

from luffy.common.money import credit_to_money
from luffy.common.serializers import datetime_str
from luffy.users.authentication import token_stamp_check
from luffy.users.models import CreditEntry, User
from luffy.users.selectors import masked_mobile
from luffy.users.services import SmsPurpose


class MobileField(serializers.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 11)
        super().__init__(**kwargs)


class RegisterInputSerializer(serializers.Serializer):
    mobile = MobileField()
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    sms_code = serializers.CharField(max_length=6)


class SmsCodeQuerySerializer(serializers.Serializer):
    purpose = serializers.ChoiceField(choices=SmsPurpose.choices, default=SmsPurpose.REGISTER)


class SmsLoginInputSerializer(serializers.Serializer):
    mobile = MobileField()
    sms_code = serializers.CharField(max_length=6)


class PasswordResetInputSerializer(serializers.Serializer):
    mobile = MobileField()
    sms_code = serializers.CharField(max_length=6)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class PasswordChangeInputSerializer(serializers.Serializer):
    old_password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    new_password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


class LoginInputSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150, help_text="username or mobile number")
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)


def display_name(user: User) -> str:
    """The nickname, else a chosen username, else the mobile masked."""
    if user.nickname:
        return user.nickname
    # Registration makes the username the mobile: never show the whole number.
    if user.username and user.mobile not in user.username and not user.username.isdigit():
        return user.username
    return masked_mobile(user.mobile)


class UserOutputSerializer(serializers.ModelSerializer):
    credit_to_money = serializers.SerializerMethodField(help_text="credit points per yuan")
    credit_money = serializers.SerializerMethodField(help_text="money value of the credit, yuan")
    display_name = serializers.SerializerMethodField(
        help_text="the nickname, else a chosen username, else the mobile masked as 138****1234"
    )

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "nickname",
            "display_name",
            "mobile",
            "avatar",
            "credit",
            "credit_to_money",
            "credit_money",
        ]
        read_only_fields = fields

    def get_display_name(self, obj) -> str:
        return display_name(obj)

    def get_credit_to_money(self, obj) -> int:
        return settings.CREDIT_PER_YUAN

    def get_credit_money(self, obj) -> str:
        return f"{credit_to_money(obj.credit):.2f}"


def me_data(user: User, *, request) -> dict:
    """What UserOutputSerializer writes for the logged-in user, built directly: a
    ModelSerializer builds its fields anew for every request, which cost more than the rest of
    GET /api/users/me/ (read on every page load). A test pins that both write the same."""
    return {
        "id": user.id,
        "username": user.username,
        "nickname": user.nickname,
        "display_name": display_name(user),
        "mobile": user.mobile,
        "avatar": request.build_absolute_uri(user.avatar.url) if user.avatar else None,
        "credit": user.credit,
        "credit_to_money": settings.CREDIT_PER_YUAN,
        "credit_money": f"{credit_to_money(user.credit):.2f}",
    }


class AuthOutputSerializer(UserOutputSerializer):
    access = serializers.CharField()
    refresh = serializers.CharField()

    class Meta(UserOutputSerializer.Meta):
        fields = ["access", "refresh", *UserOutputSerializer.Meta.fields]
        read_only_fields = fields


class MeUpdateInputSerializer(serializers.Serializer):
    username = serializers.RegexField(
        r"^[\w.@+-]+\Z",
        max_length=150,
        required=False,
        error_messages={"invalid": "Use letters, digits and @/./+/-/_ only."},
    )
    nickname = serializers.CharField(max_length=30, required=False, allow_blank=True)
    mobile = MobileField(required=False)
    sms_code = serializers.CharField(max_length=6, required=False)
    avatar = serializers.ImageField(required=False)

    def validate_avatar(self, value):
        if value.size > settings.AVATAR_MAX_BYTES:
            raise serializers.ValidationError(
                _("The image is too large; the limit is %(kb)d KB.")
                % {"kb": settings.AVATAR_MAX_BYTES // 1024}
            )
        return value


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


class PasswordChangedSerializer(DetailSerializer):
    """The tokens issued before the change are refused from now on: these replace them on the
    device that made the change."""

    access = serializers.CharField()
    refresh = serializers.CharField()


class SmsSentSerializer(serializers.Serializer):
    detail = serializers.CharField()
    resend_after = serializers.IntegerField()
    expires_in = serializers.IntegerField()


class MobileStatusSerializer(serializers.Serializer):
    mobile = serializers.CharField()
    registered = serializers.BooleanField()


class CreditEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = serializers.IntegerField(help_text="points; negative = spent")
    balance_after = serializers.IntegerField()
    reason = serializers.CharField()
    reason_text = serializers.CharField(source="get_reason_display")
    order_number = serializers.CharField(source="order.order_number", allow_null=True, default=None)
    note = serializers.CharField()
    created_at = serializers.DateTimeField()


def credit_entries_data(rows: list[dict]) -> list[dict]:
    """What CreditEntrySerializer writes, for selectors.credit_history's rows, built directly;
    a test pins that both write the same."""
    reasons = {value: str(label) for value, label in CreditEntry.Reason.choices}
    zone = timezone.get_current_timezone()
    return [
        {
            "id": row["id"],
            "amount": row["amount"],
            "balance_after": row["balance_after"],
            "reason": row["reason"],
            "reason_text": reasons.get(row["reason"], row["reason"]),
            "order_number": row["order__order_number"],
            "note": row["note"],
            "created_at": datetime_str(row["created_at"], zone),
        }
        for row in rows
    ]


class ActiveAccountTokenRefreshSerializer(TokenRefreshSerializer):
    """simplejwt's refresh, which refuses an inactive account but raised a 500
    (User.DoesNotExist) for a deleted one: that is a 401 too; and it did not look at the
    password stamp (SIMPLE_JWT["CHECK_REVOKE_TOKEN"] checks access tokens only)."""

    def validate(self, attrs):
        # A refresh token issued before a password change or reset gives no new access token
        # (the access token would carry the old stamp and be refused anyway).
        token_stamp_check(self.token_class(attrs["refresh"]))
        try:
            return super().validate(attrs)
        except User.DoesNotExist as exc:
            raise AuthenticationFailed(
                self.error_messages["no_active_account"], "no_active_account"
            ) from exc
