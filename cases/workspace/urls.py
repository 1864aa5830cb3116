from django.urls import path

from cases.workspace import delivery_views, views

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path("queue/", views.queue, name="queue"),
    path("inbox/", views.inbox, name="inbox"),
    path("intake/", views.intake, name="intake"),
    path("case/<uuid:case_uuid>/", views.case_detail, name="case"),
    path("case/<uuid:case_uuid>/act/<slug:name>/", views.case_action, name="case_action"),
    path("settings/", views.settings_home, name="settings"),
    path("settings/members/add/", views.member_add, name="member_add"),
    path("settings/members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("settings/responsibilities/", views.responsibilities, name="responsibilities"),
    path("settings/templates/new/", views.template_edit, name="template_new"),
    path("settings/templates/<int:template_id>/", views.template_edit, name="template_edit"),
    path("settings/templates/<int:template_id>/delete/", views.template_delete, name="template_delete"),
    path("messages/", delivery_views.staff_messages, name="messages"),
    path("deliveries/failed/", delivery_views.failed_deliveries, name="failed_deliveries"),
    path("deliveries/<uuid:delivery_id>/resend/", delivery_views.resend_delivery, name="resend_delivery"),
]
