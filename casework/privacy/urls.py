from django.urls import path

from casework.privacy import case_export_views, hold_views, views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.privacy_page, name="privacy"),
    path("privacy/holds/", hold_views.hold_list, name="holds"),
    path("privacy/holds/<uuid:hold_id>/lift/", hold_views.lift_hold, name="lift_hold"),
    # A case's export for a transfer: the practitioner's side on the case, the client's own.
    path(
        "care/clients/<uuid:case_id>/transfer-export/",
        case_export_views.case_export_page,
        name="case_export",
    ),
    path(
        "care/clients/<uuid:case_id>/transfer-export/<uuid:export_id>/",
        case_export_views.case_export_download,
        name="case_export_download",
    ),
    path(
        "care/my/transfer-exports/<uuid:export_id>/",
        case_export_views.case_export_consent,
        name="case_export_consent",
    ),
]
