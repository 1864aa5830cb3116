"""The oversight host's API, included by dotted string from config.urls_oversight."""

from api.urls import oversight_urlpatterns as urlpatterns

__all__ = ["urlpatterns"]
