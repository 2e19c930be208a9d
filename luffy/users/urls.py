from django.urls import path

from luffy.users import api

app_name = "users"
urlpatterns = [
    path("sms/<str:mobile>/", api.SmsCodeApi.as_view(), name="sms"),
    path("mobile/<str:mobile>/", api.MobileStatusApi.as_view(), name="mobile"),
    path("register/", api.RegisterApi.as_view(), name="register"),
    path("login/", api.LoginApi.as_view(), name="login"),
    path("login/sms/", api.SmsLoginApi.as_view(), name="login-sms"),
    path("password/reset/", api.PasswordResetApi.as_view(), name="password-reset"),
    path("me/password/", api.PasswordChangeApi.as_view(), name="password-change"),
    path("token/refresh/", api.TokenRefreshApi.as_view(), name="token-refresh"),
    path("me/", api.MeApi.as_view(), name="me"),
    path("me/credits/", api.MyCreditsApi.as_view(), name="credits"),
]
