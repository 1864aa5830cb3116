from django.urls import path

from public_site import filing, mine, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("file/", filing.file_petition, name="file"),
    path("file/upload/", filing.upload_attachment, name="file_upload"),
    path("file/review/", filing.review_petition, name="file_review"),
    path("file/receipt/<uuid:case_uuid>/", filing.receipt, name="file_receipt"),
    path("file/receipt/<uuid:case_uuid>/print/", filing.print_receipt, name="file_receipt_print"),
    path("mine/", mine.my_petitions, name="mine"),
    path("mine/claim/", mine.claim, name="claim"),
    path("mine/<uuid:case_uuid>/", mine.petition_detail, name="petition"),
    path("mine/<uuid:case_uuid>/evaluate/", mine.evaluate, name="evaluate"),
    path("mine/<uuid:case_uuid>/review/", mine.ask_review, name="ask_review"),
    path("mine/<uuid:case_uuid>/decline-review/", mine.decline, name="decline_review"),
    path("mine/<uuid:case_uuid>/supplement/", mine.supplement, name="supplement"),
    path("mine/<uuid:case_uuid>/documents/<uuid:document_id>/", mine.download_document, name="document"),
    path(
        "mine/<uuid:case_uuid>/attachments/<uuid:attachment_id>/", mine.download_attachment, name="attachment"
    ),
    path("lookup/", views.lookup, name="lookup"),
    path("replies/", views.replies, name="replies"),
    path("statistics/", views.statistics_page, name="statistics"),
]
