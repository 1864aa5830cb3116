from django.urls import path

from cases.workspace import case_views, delivery_views, seal_views, settings_views, token_views, views

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("inbox/", views.inbox, name="inbox"),
    path("intake/", views.intake, name="intake"),
    path("case/<uuid:case_uuid>/", case_views.case_detail, name="case"),
    path("case/<uuid:case_uuid>/act/<slug:name>/", case_views.case_action, name="case_action"),
    path("settings/", settings_views.settings_home, name="settings"),
    path("settings/members/add/", settings_views.member_add, name="member_add"),
    path("settings/members/<int:membership_id>/remove/", settings_views.member_remove, name="member_remove"),
    path("settings/tokens/", token_views.token_list, name="api_tokens"),
    path("settings/tokens/new/", token_views.token_create, name="api_token_create"),
    path("settings/tokens/<uuid:token_id>/revoke/", token_views.token_revoke, name="api_token_revoke"),
    path("settings/seal/", seal_views.seal_settings, name="seal"),
    path("settings/seal/remove/", seal_views.seal_remove, name="seal_remove"),
    path("settings/seal/image/", seal_views.seal_image, name="seal_image"),
    path("settings/review-body/", settings_views.review_body, name="review_body"),
    path("settings/responsibilities/", settings_views.responsibilities, name="responsibilities"),
    path("settings/templates/new/", settings_views.template_edit, name="template_new"),
    path("settings/templates/<int:template_id>/", settings_views.template_edit, name="template_edit"),
    path(
        "settings/templates/<int:template_id>/delete/", settings_views.template_delete, name="template_delete"
    ),
    path("messages/", delivery_views.staff_messages, name="messages"),
    path("deliveries/failed/", delivery_views.failed_deliveries, name="failed_deliveries"),
    path("deliveries/<uuid:delivery_id>/resend/", delivery_views.resend_delivery, name="resend_delivery"),
]
