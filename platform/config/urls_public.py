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

# Errors on /api/ paths answer the API's JSON shape; elsewhere Django's pages (config.error_views).
handler400 = "config.error_views.bad_request"
handler403 = "config.error_views.permission_denied"
handler404 = "config.error_views.page_not_found"
handler500 = "config.error_views.server_error"
