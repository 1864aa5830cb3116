"""``/open311/v2/`` on the portal (config.urls_public includes it by dotted string)."""

from django.urls import re_path

from api.open311 import views

FMT = r"\.(?P<fmt>[A-Za-z0-9]{1,10})"

urlpatterns = [
    re_path(rf"^discovery{FMT}$", views.discovery, name="open311-discovery"),
    re_path(rf"^services{FMT}$", views.service_list, name="open311-services"),
    re_path(
        rf"^services/(?P<code>[a-z0-9_-]{{1,40}}){FMT}$", views.service_definition, name="open311-service"
    ),
    re_path(rf"^requests{FMT}$", views.requests, name="open311-requests"),
    re_path(
        rf"^requests/(?P<request_id>[A-Za-z0-9-]{{1,40}}){FMT}$", views.request_detail, name="open311-request"
    ),
    re_path(rf"^tokens/(?P<token_id>[A-Za-z0-9-]{{1,40}}){FMT}$", views.token, name="open311-token"),
    # Anything else under /open311/v2/ answers the spec's error, not the portal's HTML page.
    re_path(r"^(?P<path>.*)$", views.not_found),
]
