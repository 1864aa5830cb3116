from django.urls import path

from public_site import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
]
