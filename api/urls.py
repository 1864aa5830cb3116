from django.urls import path

from api import actions, docs, views
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
    *docs.urlpatterns_for("config.urls_public"),
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
    *docs.urlpatterns_for("config.urls_agency"),
]

# The oversight host: its schema and docs (its own operations are added beside them).
oversight_urlpatterns = [*docs.urlpatterns_for("config.urls_oversight")]
