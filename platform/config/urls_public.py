"""The citizens' portal (the public schema's host)."""

from django.urls import include, path

from config import common_views

urlpatterns = [
    path("", include("public_site.urls")),
    path("accounts/", include("accounts.urls")),
    path("api/", include("api.portal_urls")),
    path("open311/v2/", include("api.open311.urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("files/", include("filestore.urls")),
    path("inbox/", include("notifications.urls")),
    path("healthz", common_views.healthz, name="healthz"),
]
