"""The schema and its docs page on every host: ``/api/schema/`` (OpenAPI 3) and ``/api/docs/``
(Swagger UI, served from drf-spectacular-sidecar's files under our own origin, its start-up script
a separate request: the hall's CSP allows scripts and styles from 'self' only, nothing inline), and
``/api/v1/whoami/``, which says what the presented credentials are on this host."""

from __future__ import annotations

from django.urls import path
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.access import agency_roles
from accounts.models import ApiToken


class DocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    url_name = "api-schema"
    title = "Petition Hall API"


class WhoAmISerializer(serializers.Serializer):
    user = serializers.UUIDField()
    host = serializers.CharField(help_text="the agency code of this host, or `portal`")
    roles = serializers.ListField(child=serializers.CharField())
    token = serializers.DictField(allow_null=True, help_text="name, scopes, expires_at; null for a session")


class WhoAmI(APIView):
    permission_classes = [IsAuthenticated]

    @extend_schema(responses=WhoAmISerializer, summary="Who the credentials are on this host", tags=["auth"])
    def get(self, request):
        tenant = request.tenant
        token = request.auth if isinstance(request.auth, ApiToken) else None
        data = {
            "user": request.user.uuid,
            "host": "portal" if tenant.schema_name == "public" else tenant.code,
            "roles": sorted(agency_roles(request.user, tenant)),
            "token": {"name": token.name, "scopes": token.scopes, "expires_at": token.expires_at}
            if token
            else None,
        }
        return Response(WhoAmISerializer(data).data)


def urlpatterns_for(urlconf: str) -> list:
    return [
        path("v1/whoami/", WhoAmI.as_view(), name="api-whoami"),
        path("schema/", SpectacularAPIView.as_view(urlconf=urlconf), name="api-schema"),
        path("docs/", DocsView.as_view(), name="api-docs"),
    ]
