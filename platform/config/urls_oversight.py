"""The oversight body's workspace (督查), on its own host."""

from django.urls import include, path

from config import common_views

urlpatterns = [
    path("", include("cases.oversight_urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", common_views.healthz, name="healthz"),
]
