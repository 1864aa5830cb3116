from django.urls import path

from filestore import views

app_name = "filestore"

urlpatterns = [
    path("<str:token>", views.download, name="download"),
]
