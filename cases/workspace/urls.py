from django.urls import path

from cases import workspace_views

app_name = "workspace"
urlpatterns = [
    path("", workspace_views.home, name="home"),
]
