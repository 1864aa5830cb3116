from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from api import actions, views
from cases import procedure

portal_urlpatterns = [
    path("v1/petitions/", views.MyPetitions.as_view(), name="api-petitions"),
    path("v1/petitions/<uuid:case_id>/", views.MyPetition.as_view(), name="api-petition"),
    path(
        "v1/petitions/<uuid:case_id>/<str:action>/", views.CitizenAction.as_view(), name="api-petition-action"
    ),
    *[
        path(
            f"v1/petitions/<uuid:case_id>/actions/{name}/",
            actions.citizen_action_view(name).as_view(),
            name=f"api-petition-action-{name}",
        )
        for name in procedure.CITIZEN_STEPS
    ],
    path("schema/", SpectacularAPIView.as_view(urlconf="config.urls_public"), name="api-schema"),
]

agency_urlpatterns = [
    path("v1/cases/", views.AgencyCases.as_view(), name="api-cases"),
    path("v1/cases/<uuid:case_id>/", views.AgencyCase.as_view(), name="api-case"),
    path("v1/cases/<uuid:case_id>/<str:action>/", views.AgencyCaseAction.as_view(), name="api-case-action"),
    # One operation per workspace action, snake_case (cases.actions); the kebab-case paths above are the
    # older aliases for a few of them.
    *[
        path(
            f"v1/cases/<uuid:case_id>/actions/{name}/",
            actions.staff_action_view(name).as_view(),
            name=f"api-case-action-{name}",
        )
        for name in procedure.STAFF_STEPS
    ],
    path("schema/", SpectacularAPIView.as_view(urlconf="config.urls_agency"), name="api-schema"),
]
