from django.urls import path

from workdays import views

app_name = "workdays"

urlpatterns = [
    path("", views.calendar_days, name="days"),
    path("<str:day>/delete/", views.delete_day, name="delete"),
]
