"""An agency workspace (bureau, department or county), on <code>.<portal domain>."""

from django.urls import include, path

from config import common_views

urlpatterns = [
    path("", include("cases.workspace.urls")),
    path("supervision/", include("cases.oversight.agency_urls")),
    path("calendar/", include("workdays.urls")),
    path("api/", include("api.agency_urls")),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("files/", include("filestore.urls")),
    path("healthz", common_views.healthz, name="healthz"),
]

# Errors on /api/ paths answer the API's JSON shape; elsewhere Django's pages (config.error_views).
handler400 = "config.error_views.bad_request"
handler403 = "config.error_views.permission_denied"
handler404 = "config.error_views.page_not_found"
handler500 = "config.error_views.server_error"
