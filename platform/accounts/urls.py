from django.urls import path

from accounts import views
from notifications import views as notification_views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/notifications/", notification_views.preferences, name="notification_preferences"),
    path("profile/tokens/", views.api_tokens, name="api_tokens"),
    path("profile/tokens/new/", views.api_token_create, name="api_token_create"),
    path("profile/tokens/<uuid:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("phone/login/", notification_views.phone_sign_in, name="phone_sign_in"),
]
