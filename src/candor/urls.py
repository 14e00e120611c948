from django.conf import settings
from django.contrib import admin
from django.urls import include, path, re_path
from django.views.static import serve

from candor.accounts import sign_in
from candor.core.views import healthz, readyz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("backoffice/", admin.site.urls),
    # allauth's sign-in and password reset with our limits' answers (candor.accounts.sign_in).
    path("accounts/login/", sign_in.login, name="account_login"),
    path("accounts/password/reset/", sign_in.password_reset, name="account_reset_password"),
    path("accounts/", include("allauth.urls")),
    path("account/orders/", include("candor.orders.account_urls")),
    path("account/", include("candor.accounts.urls")),
    path("mail/", include("candor.messaging.urls")),
    path("privacy/", include("candor.privacy.urls")),
    path("support/", include("candor.engagement.support.urls")),
    path("surveys/", include("candor.engagement.surveys.urls")),
    path("testimonials/", include("candor.engagement.testimonials.urls")),
    path("cart/", include("candor.cart.urls")),
    path("checkout/", include("candor.checkout.urls")),
    path("orders/", include("candor.orders.urls")),
    path("payments/", include("candor.payments.urls")),
    path("", include("candor.catalog.urls")),
]


def media(request, path):
    """Public uploads (product images) in the embedded shop; private ones (support photos)
    are not under MEDIA_ROOT (candor.core.storage). Production has the proxy serve it."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


if settings.SERVE_MEDIA:
    urlpatterns.insert(0, re_path(r"^media/(?P<path>.*)$", media))

admin.site.site_header = "Candor back office"
admin.site.site_title = "Candor back office"
