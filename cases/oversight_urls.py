from django.urls import path

from cases import oversight_views

app_name = "oversight"
urlpatterns = [
    path("", oversight_views.dashboard, name="dashboard"),
]
