from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.throttling import BaseThrottle, ScopedRateThrottle
from rest_framework.views import APIView
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.views import TokenRefreshView as SimpleJWTTokenRefreshView

from luffy.common.pagination import PageSizePagination
from luffy.common.schema import PAGE_PARAMETERS, errors, paginated
from luffy.users import selectors, services
from luffy.users.authentication import ActiveTokenUserAuthentication
from luffy.users.serializers import (
    ActiveAccountTokenRefreshSerializer,
    AuthOutputSerializer,
    CreditEntrySerializer,
    DetailSerializer,
    LoginInputSerializer,
    MeUpdateInputSerializer,
    MobileStatusSerializer,
    PasswordChangedSerializer,
    PasswordChangeInputSerializer,
    PasswordResetInputSerializer,
    RegisterInputSerializer,
    SmsCodeQuerySerializer,
    SmsLoginInputSerializer,
    SmsSentSerializer,
    UserOutputSerializer,
    credit_entries_data,
    me_data,
)


def client_ip(request) -> str:
    # The same identity DRF's throttles use (REMOTE_ADDR, or X-Forwarded-For per NUM_PROXIES).
    return BaseThrottle().get_ident(request)


def token_pair(user) -> dict[str, str]:
    # With SIMPLE_JWT["CHECK_REVOKE_TOKEN"] both carry the stamp of the current password.
    refresh = RefreshToken.for_user(user)
    return {"access": str(refresh.access_token), "refresh": str(refresh)}


def auth_response(user, *, status_code=status.HTTP_200_OK) -> Response:
    tokens = token_pair(user)
    user.access, user.refresh = tokens["access"], tokens["refresh"]
    return Response(AuthOutputSerializer(user).data, status=status_code)


class SmsCodeApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "sms_ip"

    @extend_schema(
        summary="Send a code by SMS: to register (default), log in, reset the password or "
        "change the mobile number (logged in); nothing is sent when the code could not be used",
        parameters=[SmsCodeQuerySerializer],
        responses={200: SmsSentSerializer, **errors(400, 401, 409, 429, 503)},
    )
    def get(self, request, mobile: str):
        query = SmsCodeQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        user = request.user if request.user.is_authenticated else None
        services.sms_code_send(mobile=mobile, purpose=query.validated_data["purpose"], user=user)
        return Response(
            {
                "detail": _("Code sent."),
                "resend_after": settings.SMS_RESEND_INTERVAL,
                "expires_in": settings.SMS_CODE_TTL,
            }
        )


class MobileStatusApi(APIView):
    # Anonymous: unthrottled, it would list which numbers have accounts.
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "mobile_ip"

    @extend_schema(
        summary="Whether a mobile number is registered",
        responses={200: MobileStatusSerializer, **errors(400, 429)},
    )
    def get(self, request, mobile: str):
        registered = selectors.mobile_is_registered(mobile=mobile)
        return Response({"mobile": mobile, "registered": registered})


class RegisterApi(APIView):
    @extend_schema(
        summary="Register with a mobile number and SMS code; logs in at once",
        request=RegisterInputSerializer,
        responses={201: AuthOutputSerializer, **errors(400, 503)},
    )
    def post(self, request):
        data = RegisterInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_register(**data.validated_data)
        return auth_response(user, status_code=status.HTTP_201_CREATED)


class LoginApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login_ip"

    @extend_schema(
        summary="Log in with username or mobile number",
        request=LoginInputSerializer,
        responses={200: AuthOutputSerializer, **errors(400, 401, 429, 503)},
    )
    def post(self, request):
        data = LoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_login(**data.validated_data, client_ip=client_ip(request))
        return auth_response(user)


class SmsLoginApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login_ip"

    @extend_schema(
        summary="Log in with a code sent to the account's mobile (purpose=login)",
        request=SmsLoginInputSerializer,
        responses={200: AuthOutputSerializer, **errors(400, 401, 429, 503)},
    )
    def post(self, request):
        data = SmsLoginInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return auth_response(services.user_login_by_sms(**data.validated_data))


class PasswordResetApi(APIView):
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login_ip"

    @extend_schema(
        summary="Forgot password: a new one, with a code sent to the registered mobile "
        "(purpose=reset_password); every token issued before is refused from now on",
        request=PasswordResetInputSerializer,
        responses={200: DetailSerializer, **errors(400, 401, 429, 503)},
    )
    def post(self, request):
        data = PasswordResetInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.user_password_reset(**data.validated_data)
        return Response({"detail": _("Your password has been reset; log in with it.")})


class PasswordChangeApi(APIView):
    permission_classes = [IsAuthenticated]
    throttle_classes = [ScopedRateThrottle]
    throttle_scope = "login_ip"

    @extend_schema(
        summary="Change my password (the current one is required); every token issued before "
        "is refused from now on, and new ones for this device are returned",
        request=PasswordChangeInputSerializer,
        responses={200: PasswordChangedSerializer, **errors(400, 401, 429)},
    )
    def post(self, request):
        data = PasswordChangeInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_password_change(user=request.user, **data.validated_data)
        return Response({"detail": _("Your password has been changed."), **token_pair(user)})


class TokenRefreshApi(SimpleJWTTokenRefreshView):
    serializer_class = ActiveAccountTokenRefreshSerializer

    @extend_schema(
        summary="Exchange a refresh token for a new access token",
        responses={200: SimpleJWTTokenRefreshView.serializer_class, **errors(400, 401)},
    )
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class MeApi(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="The logged-in user", responses={200: UserOutputSerializer, **errors(401)}
    )
    def get(self, request):
        # Written directly (me_data): UserOutputSerializer documents the same shape.
        return Response(me_data(request.user, request=request))

    @extend_schema(
        summary="Change username, nickname, mobile (with a code sent to it) or avatar",
        request=MeUpdateInputSerializer,
        responses={200: UserOutputSerializer, **errors(400, 401)},
    )
    def patch(self, request):
        data = MeUpdateInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.user_update(user=request.user, **data.validated_data)
        return Response(UserOutputSerializer(user, context={"request": request}).data)


class MyCreditsApi(APIView):
    authentication_classes = [ActiveTokenUserAuthentication]  # only the user id is needed
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary="My credit point history, newest first",
        operation_id="users_me_credits_list",
        parameters=PAGE_PARAMETERS,
        responses={200: paginated(CreditEntrySerializer), **errors(401, 404)},
    )
    def get(self, request):
        paginator = PageSizePagination()
        page = paginator.paginate_queryset(
            selectors.credit_history(user_id=int(request.user.id)), request, view=self
        )
        # Rows written directly (credit_entries_data): CreditEntrySerializer documents them.
        return paginator.get_paginated_response(credit_entries_data(page))
