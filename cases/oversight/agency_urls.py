"""The agency-side supervision inbox (督办件), mounted at /supervision/ on every agency host."""

from django.urls import path

from cases.oversight import agency_views

app_name = "supervision"
urlpatterns = [
    path("", agency_views.inbox, name="inbox"),
    path("<uuid:item_id>/", agency_views.item_detail, name="item"),
]
