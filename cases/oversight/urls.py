from django.urls import path

from cases.oversight import views as oversight_views

app_name = "oversight"
urlpatterns = [
    path("", oversight_views.dashboard, name="dashboard"),
]
