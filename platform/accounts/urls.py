from django.urls import path

from accounts import views
from notifications import views as notification_views

app_name = "accounts"
urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("profile/notifications/", notification_views.preferences, name="notification_preferences"),
    path("phone/login/", notification_views.phone_sign_in, name="phone_sign_in"),
]
