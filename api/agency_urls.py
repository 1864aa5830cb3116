"""The agency workspace's API: config.urls_agency includes it by dotted string (platform/ stays below api)."""

from api.urls import agency_urlpatterns as urlpatterns

__all__ = ["urlpatterns"]
