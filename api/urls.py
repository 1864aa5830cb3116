from django.urls import path

from api import actions, citizen, docs, oversight, views
from cases import procedure

portal_urlpatterns = [
    path("v1/profile/", citizen.Profile.as_view(), name="api-profile"),
    path("v1/uploads/", citizen.Uploads.as_view(), name="api-uploads"),
    path("v1/uploads/<uuid:submission_id>/", citizen.DraftUploads.as_view(), name="api-draft-uploads"),
    path(
        "v1/uploads/<uuid:submission_id>/<str:token>/", citizen.DraftUpload.as_view(), name="api-draft-upload"
    ),
    path("v1/notifications/", citizen.Notifications.as_view(), name="api-notifications"),
    path("v1/notifications/read-all/", citizen.NotificationsReadAll.as_view(), name="api-notifications-read"),
    path(
        "v1/notifications/<uuid:notification_id>/read/",
        citizen.NotificationRead.as_view(),
        name="api-notification-read",
    ),
    # Before the older action aliases below: their <str:action> would take "supplements".
    path(
        "v1/petitions/<uuid:case_id>/supplements/",
        citizen.Supplements.as_view(),
        name="api-petition-supplements",
    ),
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
    path("v1/supervision/", oversight.AgencySupervision.as_view(), name="api-agency-supervision"),
    path(
        "v1/supervision/<uuid:item_id>/",
        oversight.AgencySupervisionItem.as_view(),
        name="api-agency-supervision-item",
    ),
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

# The oversight body's host (config.urls_oversight includes api.oversight_urls).
oversight_urlpatterns = [
    path("v1/search/", oversight.Search.as_view(), name="api-oversight-search"),
    path("v1/kpis/", oversight.Kpis.as_view(), name="api-oversight-kpis"),
    path("v1/supervision/", oversight.Supervision.as_view(), name="api-oversight-supervision"),
    path(
        "v1/supervision/<uuid:item_id>/",
        oversight.SupervisionDetail.as_view(),
        name="api-oversight-supervision-item",
    ),
    *docs.urlpatterns_for("config.urls_oversight"),
]
