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
