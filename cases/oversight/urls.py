"""The oversight body's workspace (mounted at / on the oversight host by config.urls_oversight)."""

from django.urls import path

from cases.oversight import views

app_name = "oversight"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("search/", views.search, name="search"),
    path("cases/<uuid:case_uuid>/", views.case_read, name="case"),
    path("cases/<uuid:case_uuid>/read/", views.case_open, name="case_open"),
    path("cases/<uuid:case_uuid>/identity/", views.case_identity, name="case_identity"),
    path("cases/<uuid:case_uuid>/identity/read/", views.case_identity_open, name="case_identity_open"),
    path("reads/", views.read_log, name="read_log"),
    path("kpis/", views.kpi_ranking, name="kpis"),
    path("kpis/ranking.xlsx", views.kpi_export_xlsx, name="kpis_xlsx"),
    path("kpis/ranking.csv", views.kpi_export_csv, name="kpis_csv"),
    path("supervision/", views.supervision_list, name="supervision_list"),
    path("supervision/new/", views.supervision_new, name="supervision_new"),
    path("supervision/<uuid:item_id>/", views.supervision_item, name="supervision_item"),
]
