"""The portal's API, included by dotted string from config.urls_public (platform/ stays below api)."""

from api.urls import portal_urlpatterns as urlpatterns

__all__ = ["urlpatterns"]
