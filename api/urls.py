from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import views

portal_urlpatterns = [
    path("v1/petitions/", views.MyPetitions.as_view(), name="api-petitions"),
    path("v1/petitions/<uuid:case_id>/", views.MyPetition.as_view(), name="api-petition"),
    path(
        "v1/petitions/<uuid:case_id>/<str:action>/", views.CitizenAction.as_view(), name="api-petition-action"
    ),
    path("schema/", SpectacularAPIView.as_view(urlconf="config.urls_public"), name="api-schema"),
]

agency_urlpatterns = [
    path("v1/cases/", views.AgencyCases.as_view(), name="api-cases"),
    path("v1/cases/<uuid:case_id>/", views.AgencyCase.as_view(), name="api-case"),
    path("v1/cases/<uuid:case_id>/<str:action>/", views.AgencyCaseAction.as_view(), name="api-case-action"),
    path("schema/", SpectacularAPIView.as_view(urlconf="config.urls_agency"), name="api-schema"),
]
