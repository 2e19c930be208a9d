"""Account writes: SMS codes, registration, login guard, profile updates, credit points."""

from __future__ import annotations

import hmac
import logging
import math
import re
import secrets
import uuid

import amqp.exceptions
import kombu.exceptions
import redis
from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, models, transaction
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from luffy.common.errors import (
    Conflict,
    NotAuthenticated,
    RateLimited,
    ServiceUnavailable,
    ValidationFailed,
)
from luffy.common.i18n import duration_words
from luffy.common.redis import redis_client, redis_key
from luffy.users.models import User
from luffy.users.selectors import login_account_id
from luffy.users.tasks import send_sms_task
from luffy.users.validators import MOBILE_PATTERN, clean_mobile

logger = logging.getLogger(__name__)


def _mobile_taken(mobile: str, *, exclude_user_id: int | None = None) -> bool:
    return User.objects.filter(mobile=mobile).exclude(id=exclude_user_id).exists()


# --- SMS codes ------------------------------------------------------------------------------------


class SmsPurpose(models.TextChoices):
    """What a code is for: a code sent to register cannot reset a password, and so on."""

    REGISTER = "register", "register"
    LOGIN = "login", "log in"
    RESET_PASSWORD = "reset_password", "reset the password"
    CHANGE_MOBILE = "change_mobile", "change the mobile number"


def _code_key(mobile: str, purpose: str = SmsPurpose.REGISTER) -> str:
    return redis_key("sms", "code", str(purpose), mobile)


def _attempts_key(mobile: str, purpose: str = SmsPurpose.REGISTER) -> str:
    return redis_key("sms", "attempts", str(purpose), mobile)


def _check_sms_purpose(*, mobile: str, purpose: str, user: User | None) -> None:
    """Refuse before anything is sent: a code that cannot be used is never sent."""
    registered = _mobile_taken(mobile)
    if purpose == SmsPurpose.REGISTER and registered:
        raise Conflict(
            _("This mobile number is already registered; log in instead."),
            code="mobile_registered",
            field="mobile",
        )
    if purpose in (SmsPurpose.LOGIN, SmsPurpose.RESET_PASSWORD) and not registered:
        raise ValidationFailed(
            _("This mobile number is not registered; register first."),
            code="mobile_not_registered",
            field="mobile",
        )
    if purpose == SmsPurpose.CHANGE_MOBILE:
        if user is None:
            raise NotAuthenticated()
        if mobile == user.mobile:
            raise ValidationFailed(
                _("This is already your mobile number."), code="same_mobile", field="mobile"
            )
        if registered:
            raise ValidationFailed(
                _("This mobile number belongs to another account."),
                code="mobile_taken",
                field="mobile",
            )


def sms_message(*, code: str) -> str:
    """The SMS text, always in the store's language (SMS templates are registered in Chinese
    with the provider), whatever language the requesting browser prefers."""
    minutes = max(math.ceil(settings.SMS_CODE_TTL / 60), 1)
    with translation.override(settings.LANGUAGE_CODE):
        return gettext(
            "[Luffy] Your verification code is %(code)s; it is valid for %(minutes)d minutes."
        ) % {"code": code, "minutes": minutes}


# Whatever the broker raises when it is down, refuses our credentials or is misconfigured:
# kombu wraps connection errors in OperationalError, but amqp's AccessRefused (a wrong
# password) and the Redis client's errors reach us as they are.
BROKER_ERRORS = (
    kombu.exceptions.KombuError,
    amqp.exceptions.AMQPError,
    redis.RedisError,
    OSError,
)


def sms_code_send(
    *, mobile: str, purpose: str = SmsPurpose.REGISTER, user: User | None = None
) -> None:
    """Store a fresh 6-digit code for SMS_CODE_TTL and send it; one per mobile per minute
    (whatever the purpose). Refused, sending nothing, when the code could not be used: a
    registered number asking to register, an unknown one asking to log in or reset."""
    mobile = clean_mobile(mobile)
    _check_sms_purpose(mobile=mobile, purpose=purpose, user=user)
    client = redis_client()
    lock_key = redis_key("sms", "lock", mobile)
    interval = settings.SMS_RESEND_INTERVAL
    if not client.set(lock_key, 1, nx=True, ex=interval):
        wait = client.ttl(lock_key)
        wait = wait if wait and wait > 0 else interval
        raise RateLimited(
            _("A code was sent to this number recently; try again in %(wait)s.")
            % {"wait": duration_words(wait)},
            code="sms_too_soon",
            retry_after=wait,
        )
    code = f"{secrets.randbelow(10**6):06d}"
    with client.pipeline(transaction=True) as pipe:
        pipe.set(_code_key(mobile, purpose), code, ex=settings.SMS_CODE_TTL)
        pipe.delete(_attempts_key(mobile, purpose))
        pipe.execute()
    message = sms_message(code=code)
    try:
        # Sent by a worker, retried there if the SMS provider fails. No DB transaction is open
        # here, so there is nothing to wait for with on_commit.
        send_sms_task.delay(mobile, message, uuid.uuid4().hex)
    except BROKER_ERRORS as exc:  # broker down or refusing us: let the user retry at once
        logger.warning("SMS to %s not queued, broker error: %r", mobile[-4:], exc)
        client.delete(lock_key, _code_key(mobile, purpose))
        raise ServiceUnavailable(
            gettext("The SMS could not be sent; please try again."), code="sms_failed"
        ) from exc
    except BaseException:  # anything else: still no lock left behind for a code never sent
        client.delete(lock_key, _code_key(mobile, purpose))
        raise


def sms_code_check(
    *, mobile: str, code: str, field: str = "sms_code", purpose: str = SmsPurpose.REGISTER
) -> None:
    """Raise unless `code` is the live code for `mobile` and `purpose`. Wrong guesses are
    limited."""
    client = redis_client()
    code_key, attempts_key = _code_key(mobile, purpose), _attempts_key(mobile, purpose)
    stored = client.get(code_key)
    if stored is None:
        raise ValidationFailed(
            _("The verification code has expired or was never sent; request a new one."),
            code="sms_code_expired",
            field=field,
        )
    if hmac.compare_digest(stored.decode(), str(code or "").strip()):
        return
    attempts = client.incr(attempts_key)
    client.expire(attempts_key, settings.SMS_CODE_TTL)
    if attempts >= settings.SMS_CODE_MAX_ATTEMPTS:
        client.delete(code_key, attempts_key)
        raise ValidationFailed(
            _("Too many wrong codes; request a new one."), code="sms_code_exhausted", field=field
        )
    raise ValidationFailed(_("The verification code is wrong."), code="sms_code_wrong", field=field)


def sms_code_consume(*, mobile: str, purpose: str = SmsPurpose.REGISTER) -> None:
    redis_client().delete(_code_key(mobile, purpose), _attempts_key(mobile, purpose))


# --- Registration -----------------------------------------------------------------------------


def user_register(*, mobile: str, password: str, sms_code: str) -> User:
    mobile = clean_mobile(mobile)
    if _mobile_taken(mobile):
        raise ValidationFailed(
            _("This mobile number is already registered; log in instead."),
            code="mobile_taken",
            field="mobile",
        )
    candidate = User(username=mobile, mobile=mobile)
    try:
        password_validation.validate_password(password, user=candidate)
    except DjangoValidationError as exc:
        raise ValidationFailed(
            " ".join(exc.messages), code="weak_password", field="password"
        ) from exc
    sms_code_check(mobile=mobile, code=sms_code)
    try:
        with transaction.atomic():
            user = User.objects.create_user(username=mobile, mobile=mobile, password=password)
    except IntegrityError as exc:  # a concurrent registration of the same number won
        raise ValidationFailed(
            _("This mobile number is already registered; log in instead."),
            code="mobile_taken",
            field="mobile",
        ) from exc
    sms_code_consume(mobile=mobile)
    return user


# --- Login ------------------------------------------------------------------------------------


class LoginGuard:
    """Counts failed logins per (client IP, username), per client IP, and per account whatever
    the client IP (so many addresses cannot keep guessing one password), in a time window.

    The account is the user the name resolves to (username or mobile, as the backend reads
    it), or the name itself when none matches: unknown names lock the same way, so the lock
    reveals nothing. A locked account stays locked for a whole window after its last failure;
    even the right password is refused then, with the seconds to wait."""

    def __init__(self, *, client_ip: str, username: str) -> None:
        self.client = redis_client()
        self.window = settings.LOGIN_FAILURE_WINDOW
        name = username.strip()
        self.pair_key = redis_key("login", "fail", client_ip, name.lower())
        self.ip_key = redis_key("login", "fail-ip", client_ip)
        account_id = login_account_id(username=name)
        account = f"id:{account_id}" if account_id is not None else f"name:{name.lower()}"
        self.account_key = redis_key("login", "fail-account", account)

    def check(self) -> None:
        pair, per_ip, account = self.client.mget(self.pair_key, self.ip_key, self.account_key)
        if int(account or 0) >= settings.LOGIN_FAILURE_ACCOUNT_LIMIT:
            wait = self._wait(self.account_key)
            raise RateLimited(
                gettext(
                    "This account is locked after too many failed logins; try again in %(wait)s."
                )
                % {"wait": duration_words(wait)},
                code="account_locked",
                retry_after=wait,
            )
        if int(pair or 0) >= settings.LOGIN_FAILURE_LIMIT:
            self._refuse(self.pair_key)
        if int(per_ip or 0) >= settings.LOGIN_FAILURE_IP_LIMIT:
            self._refuse(self.ip_key)

    def _wait(self, key: str) -> int:
        wait = self.client.ttl(key)
        return wait if wait and wait > 0 else self.window

    def _refuse(self, key: str) -> None:
        wait = self._wait(key)
        raise RateLimited(
            _("Too many failed logins; try again in %(wait)s.") % {"wait": duration_words(wait)},
            code="login_throttled",
            retry_after=wait,
        )

    def record_failure(self) -> None:
        with self.client.pipeline(transaction=True) as pipe:
            for key in (self.pair_key, self.ip_key, self.account_key):
                # The window starts at the first failure (works on Redis 6.2, unlike EXPIRE NX).
                pipe.set(key, 0, ex=self.window, nx=True)
                pipe.incr(key)
            account_failures = pipe.execute()[-1]
        if account_failures >= settings.LOGIN_FAILURE_ACCOUNT_LIMIT:
            self.client.expire(self.account_key, self.window)  # locked a window from now

    def reset(self) -> None:
        # The per-account count is kept: the owner logging in must not give a guesser N more.
        self.client.delete(self.pair_key)


def user_login(*, username: str, password: str, client_ip: str, request=None) -> User:
    """The user for these credentials, unless this client or this account is locked out.
    Used by the API login and the admin's login form alike."""
    guard = LoginGuard(client_ip=client_ip, username=username)
    guard.check()
    user = authenticate(request, username=username.strip(), password=password)
    if user is None:
        guard.record_failure()
        raise NotAuthenticated(
            _("Wrong username, mobile number or password."), code="invalid_credentials"
        )
    guard.reset()
    return user


def _validated_password(password: str, *, user: User, field: str = "password") -> str:
    try:
        password_validation.validate_password(password, user=user)
    except DjangoValidationError as exc:
        raise ValidationFailed(" ".join(exc.messages), code="weak_password", field=field) from exc
    return password


def _active_user_by_mobile(mobile: str) -> User:
    user = User.objects.filter(mobile=mobile).first()
    if user is None:
        raise ValidationFailed(
            _("This mobile number is not registered; register first."),
            code="mobile_not_registered",
            field="mobile",
        )
    if not user.is_active:
        raise NotAuthenticated(
            _("This account is disabled or no longer exists."), code="user_inactive"
        )
    return user


def user_login_by_sms(*, mobile: str, sms_code: str) -> User:
    """Log in with a code sent to the account's mobile (purpose "login"); the code is used up."""
    mobile = clean_mobile(mobile)
    user = _active_user_by_mobile(mobile)
    sms_code_check(mobile=mobile, code=sms_code, purpose=SmsPurpose.LOGIN)
    sms_code_consume(mobile=mobile, purpose=SmsPurpose.LOGIN)
    logger.info("user %s logged in by SMS code", user.id)
    return user


def user_password_reset(*, mobile: str, sms_code: str, password: str) -> User:
    """Forgot password: a code sent to the registered mobile (purpose "reset_password") sets a
    new password. The failed-login counters of the account are cleared with it."""
    mobile = clean_mobile(mobile)
    user = _active_user_by_mobile(mobile)
    _validated_password(password, user=user)
    sms_code_check(mobile=mobile, code=sms_code, purpose=SmsPurpose.RESET_PASSWORD)
    user.set_password(password)
    user.save(update_fields=["password"])
    sms_code_consume(mobile=mobile, purpose=SmsPurpose.RESET_PASSWORD)
    redis_client().delete(redis_key("login", "fail-account", f"id:{user.id}"))
    logger.info("user %s reset the password by SMS code", user.id)
    return user


def user_password_change(*, user: User, old_password: str, new_password: str) -> User:
    """Change the password; the current one is required."""
    if not user.check_password(old_password):
        raise ValidationFailed(
            _("The current password is wrong."), code="wrong_password", field="old_password"
        )
    _validated_password(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    logger.info("user %s changed the password", user.id)
    return user


# --- Profile ----------------------------------------------------------------------------------


def user_update(
    *,
    user: User,
    username: str | None = None,
    nickname: str | None = None,
    mobile: str | None = None,
    sms_code: str | None = None,
    avatar=None,
) -> User:
    """Change username, nickname, mobile (needs a code sent to the new number, purpose
    "change_mobile") or avatar. Never credit."""
    changed: list[str] = []
    if nickname is not None and nickname.strip() != user.nickname:
        user.nickname = nickname.strip()
        changed.append("nickname")
    new_mobile = user.mobile
    if mobile is not None and mobile.strip() != user.mobile:
        new_mobile = clean_mobile(mobile)
        if _mobile_taken(new_mobile, exclude_user_id=user.id):
            raise ValidationFailed(
                _("This mobile number belongs to another account."),
                code="mobile_taken",
                field="mobile",
            )
        sms_code_check(
            mobile=new_mobile,
            code=sms_code or "",
            field="sms_code",
            purpose=SmsPurpose.CHANGE_MOBILE,
        )
        user.mobile = new_mobile
        changed.append("mobile")
    if username is not None and username != user.username:
        username = username.strip()
        # A number-like username could let someone log in "as" another person's mobile.
        if re.match(MOBILE_PATTERN, username) and username != new_mobile:
            raise ValidationFailed(
                _("A username that looks like a mobile number must be your own number."),
                code="username_is_mobile",
                field="username",
            )
        if User.objects.filter(username__iexact=username).exclude(id=user.id).exists():
            raise ValidationFailed(
                _("This username is taken."), code="username_taken", field="username"
            )
        user.username = username
        changed.append("username")
    if avatar is not None:
        user.avatar = avatar
        changed.append("avatar")
    if not changed:
        return user
    try:
        user.full_clean(exclude=["password", "credit"])
    except DjangoValidationError as exc:
        raise ValidationFailed(exc.messages[0], code="invalid") from exc
    try:
        with transaction.atomic():
            user.save(update_fields=changed)
    except IntegrityError as exc:
        raise ValidationFailed(
            _("That username or mobile number was just taken by another account."), code="taken"
        ) from exc
    if "mobile" in changed:
        sms_code_consume(mobile=new_mobile, purpose=SmsPurpose.CHANGE_MOBILE)
    return user
