from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from luffy.common.spa import spa_index
from luffy.common.views import healthz
from luffy.payments import api as payments_api

api_patterns = [
    path("users/", include("luffy.users.urls")),
    path("", include("luffy.catalog.urls")),
    path("cart/", include("luffy.cart.urls")),
    path("coupons/", include("luffy.coupons.urls")),
    path("orders/", include("luffy.orders.urls")),
    # Cancelling asks the gateway first, so it is a payments use case under the orders path.
    path(
        "orders/<str:order_number>/cancel/",
        payments_api.OrderCancelApi.as_view(),
        name="order-cancel",
    ),
    path("payments/", include("luffy.payments.urls")),
    path("", include("luffy.access.urls")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script by URL (?script), so the CSP needs no inline script.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="docs"),
]

urlpatterns = [
    path("api/", include(api_patterns)),
    path("healthz", healthz, name="healthz"),
    path("admin/", admin.site.urls),
]

if settings.SERVE_MEDIA:
    media_prefix = settings.MEDIA_URL.strip("/")
    urlpatterns.append(
        re_path(rf"^{media_prefix}/(?P<path>.*)$", serve, {"document_root": settings.MEDIA_ROOT})
    )

# Last: every other page path is the Vue app (history mode); API, admin and files keep their 404s.
urlpatterns.append(re_path(r"^(?!(?:api|admin|static|media)(?:/|$)).*$", spa_index, name="spa"))

handler400 = "luffy.common.views.bad_request"
handler404 = "luffy.common.views.not_found"
handler500 = "luffy.common.views.server_error"
