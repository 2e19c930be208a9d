"""The one registry of API error codes: every `code` an API error can carry (the JSON error
shape, luffy.common.errors), with what it means. The OpenAPI schema publishes it as the
`ErrorCode` enum of the error response's `code` (luffy.common.serializers.ErrorSerializer);
the front end keys its Chinese texts by these codes (web/src/utils/messages.js), and
tests/common/test_i18n.py fails when a code here has no Chinese text there, or when the code
raises one that is not here.

The messages are what the code means, in English, for the schema's readers; what a student
sees is the translated message of the error itself, or the front end's text for its code."""

from __future__ import annotations

from enum import StrEnum


class ErrorCode(StrEnum):
    """An API error code; `.message` says what it means."""

    message: str

    def __new__(cls, code: str, message: str):
        member = str.__new__(cls, code)
        member._value_ = code
        member.message = message
        return member

    # Generic (the error classes' defaults, the exception handler, DRF and Simple JWT)
    INVALID = "invalid", "The request could not be processed (a field is invalid)."
    ERROR = "error", "A DRF error without a code of its own."
    BAD_REQUEST = "bad_request", "The request is malformed."
    PARSE_ERROR = "parse_error", "The request body could not be parsed."
    TOO_DEEP = "too_deep", "The JSON body is nested too deeply."
    NUL_CHARACTER = "nul_character", "Text may not contain NUL characters."
    REQUEST_TOO_LARGE = "request_too_large", "The request is too large."
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type", "The body's media type is not accepted."
    NOT_ACCEPTABLE = "not_acceptable", "The Accept header cannot be satisfied."
    METHOD_NOT_ALLOWED = "method_not_allowed", "This method is not allowed here."
    NOT_FOUND = "not_found", "Not found (or no such API endpoint)."
    PAGE_NOT_FOUND = "page_not_found", "The page number is past the last page."
    NOT_AUTHENTICATED = "not_authenticated", "Log in to continue."
    AUTHENTICATION_FAILED = "authentication_failed", "The credentials are wrong."
    TOKEN_NOT_VALID = "token_not_valid", "The token is invalid or has expired."
    BAD_AUTHORIZATION_HEADER = "bad_authorization_header", "The Authorization header is malformed."
    PASSWORD_CHANGED = "password_changed", "The password changed since the token was issued."
    USER_NOT_FOUND = "user_not_found", "The token's user does not exist."
    USER_INACTIVE = "user_inactive", "This account is disabled or no longer exists."
    FORBIDDEN = "forbidden", "You are not allowed to do this."
    PERMISSION_DENIED = "permission_denied", "You are not allowed to do this."
    CONFLICT = "conflict", "Conflicts with the current state."
    THROTTLED = "throttled", "Too many requests; retry_after says when to try again."
    RATE_LIMITED = "rate_limited", "Too many requests; retry_after says when to try again."
    SERVER_ERROR = "server_error", "Internal server error; it has been logged."
    SERVICE_UNAVAILABLE = "service_unavailable", "Service temporarily unavailable."
    UNAVAILABLE = "unavailable", "Service temporarily unavailable."
    DATABASE_BUSY = "database_busy", "The database is busy or unavailable; try again shortly."
    REDIS_UNAVAILABLE = "redis_unavailable", "Redis is unavailable; try again shortly."
    # Accounts
    INVALID_CREDENTIALS = "invalid_credentials", "Wrong username, mobile number or password."
    ACCOUNT_LOCKED = "account_locked", "Too many failed logins; the account is locked a while."
    LOGIN_THROTTLED = "login_throttled", "Too many failed logins from here; wait a while."
    LOGIN_UNAVAILABLE = "login_unavailable", "Logging in is unavailable right now."
    INVALID_MOBILE = "invalid_mobile", "Not a mainland China mobile number."
    MOBILE_NOT_REGISTERED = "mobile_not_registered", "This mobile number is not registered."
    MOBILE_REGISTERED = "mobile_registered", "This mobile number is already registered."
    MOBILE_TAKEN = "mobile_taken", "This mobile number belongs to another account."
    SAME_MOBILE = "same_mobile", "This is already your mobile number."
    USERNAME_TAKEN = "username_taken", "This username is taken."
    USERNAME_IS_MOBILE = "username_is_mobile", "A username like a mobile number must be yours."
    TAKEN = "taken", "That username or mobile number was just taken by another account."
    WEAK_PASSWORD = "weak_password", "The password is too weak."
    WRONG_PASSWORD = "wrong_password", "The current password is wrong."
    SMS_TOO_SOON = "sms_too_soon", "A code was sent a moment ago; wait before asking again."
    SMS_FAILED = "sms_failed", "The SMS could not be sent."
    SMS_CODE_WRONG = "sms_code_wrong", "The verification code is wrong."
    SMS_CODE_EXPIRED = "sms_code_expired", "The verification code expired or was never sent."
    SMS_CODE_EXHAUSTED = "sms_code_exhausted", "Too many wrong codes; request a new one."
    INSUFFICIENT_CREDIT = "insufficient_credit", "Not that many credit points."
    # Catalog and course access
    CATEGORY_NOT_FOUND = "category_not_found", "No such course category."
    COURSE_NOT_FOUND = "course_not_found", "No such course, or it is not on sale."
    COURSE_UNAVAILABLE = "course_unavailable", "This course is no longer on sale."
    NO_PRICE = "no_price", "This course has no price yet."
    INVALID_EXPIRE = "invalid_expire", "The validity option does not belong to the course."
    OPTION_UNAVAILABLE = "option_unavailable", "The chosen validity option is no longer offered."
    INVALID_RULE = "invalid_rule", "The pricing rule is not valid (back office)."
    LESSON_NOT_FOUND = "lesson_not_found", "No such lesson in this course."
    NO_ACCESS = "no_access", "Buy this course to watch this lesson."
    ACCESS_EXPIRED = "access_expired", "Access to this course has ended; renew it."
    FILE_TYPE = "file_type", "Only MP4 or WebM videos and PDF documents can be uploaded."
    FILE_CONTENT = "file_content", "The file's content does not match its type."
    FILE_TOO_LARGE = "file_too_large", "The lesson file is too large."
    # Cart
    CART_UNAVAILABLE = "cart_unavailable", "The cart is unavailable right now (Redis)."
    CART_FULL = "cart_full", "The cart is full; remove some courses first."
    CART_EMPTY = "cart_empty", "Select at least one course in the cart first."
    NOT_IN_CART = "not_in_cart", "This course is not in the cart."
    NOTHING_TO_CHANGE = "nothing_to_change", "Send `selected` and/or `expire_id`."
    ALREADY_PURCHASED = "already_purchased", "The buyer already has access to a course."
    # Coupons and credit
    COUPON_NOT_FOUND = "coupon_not_found", "No such coupon of the buyer."
    COUPON_NOT_STARTED = "coupon_not_started", "The coupon cannot be used yet."
    COUPON_EXPIRED = "coupon_expired", "The coupon has expired."
    COUPON_BELOW_MINIMUM = "coupon_below_minimum", "The total is below the coupon's minimum."
    COUPON_RESERVED = "coupon_reserved", "The coupon is held by another unpaid order."
    COUPON_USED = "coupon_used", "The coupon was used by another order."
    INVALID_CREDIT = "invalid_credit", "Credit cannot be negative."
    CREDIT_EXCEEDS_BALANCE = "credit_exceeds_balance", "More credit points than the balance."
    CREDIT_EXCEEDS_TOTAL = "credit_exceeds_total", "More credit points than the order allows."
    # Orders and payments
    PAY_TYPE = "pay_type", "Payment method not supported."
    PENDING_ORDER = "pending_order", "An unpaid order holds some of these courses."
    ORDER_TOTAL_TOO_LARGE = "order_total_too_large", "The order total is above the maximum."
    ORDER_NOT_FOUND = "order_not_found", "No such order."
    ORDER_NOT_UNPAID = "order_not_unpaid", "The order is not unpaid; nothing to pay or cancel."
    ORDER_EXPIRED = "order_expired", "The time to pay this order is over."
    ORDER_PAID = "order_paid", "The order has just been paid, so it cannot be cancelled."
    ORDER_NOT_PAID = "order_not_paid", "The order is not paid, so it cannot be refunded."
    PAYMENT_GATEWAY_UNAVAILABLE = "payment_gateway_unavailable", "The gateway did not answer."
    BAD_SIGNATURE = "bad_signature", "The payment result could not be verified."
    PAYMENT_PENDING = "payment_pending", "The payment is not confirmed yet."
    PAYMENT_REFUNDED = "payment_refunded", "Paid after the order closed: the money goes back."
    PAYMENT_REFUSED = "payment_refused", "This gateway no longer takes the order; use the other."
    NOTIFY_THROTTLED = "notify_throttled", "Too many notifies with an invalid signature."
    REFUND_AMOUNT = "refund_amount", "The refund amount is out of range."
    REFUND_REFUSED = "refund_refused", "The gateway refused the refund."
    REFUND_IN_PROGRESS = "refund_in_progress", "Another refund of this order is being processed."
    ORDER_NOT_CLOSED = (
        "order_not_closed",
        "Only a cancelled or timed-out order goes back to the cart.",
    )
    # Redeem codes (兑换码)
    REDEEM_CODE_EMPTY = "redeem_code_empty", "No redeem code was given."
    REDEEM_CODE_NOT_FOUND = "redeem_code_not_found", "No such redeem code, or it is switched off."
    REDEEM_CODE_EXPIRED = "redeem_code_expired", "The redeem code has expired."
    REDEEM_CODE_USED_UP = "redeem_code_used_up", "The redeem code's total limit is reached."
    REDEEM_CODE_LIMIT_REACHED = "redeem_code_limit_reached", "This student's limit is reached."
    # Lesson playback (signed links)
    LESSON_LINK_INVALID = "lesson_link_invalid", "The lesson link is not valid for this lesson."
    LESSON_LINK_EXPIRED = "lesson_link_expired", "The lesson link has expired; fetch a new one."
    LESSON_LINK_OTHER_USER = "lesson_link_other_user", "The lesson link was issued to another user."
    ACCESS_ENDED = "access_ended", "The access to this course has ended since the link was issued."
    LESSON_MEDIA_MISSING = "lesson_media_missing", "The lesson's file is missing."
    RANGE_NOT_SATISFIABLE = "range_not_satisfiable", "The requested byte range is past the end."
    VIDEO_CLOUD_UNAVAILABLE = "video_cloud_unavailable", "The video cloud did not answer."


# (code, meaning) pairs: the choices of the error shape's `code` in the schema.
ERROR_CODE_CHOICES = [(code.value, code.message) for code in ErrorCode]
