from django.urls import path

from casework.safety.views import decisions, moderation, reports, transparency

app_name = "safety"

urlpatterns = [
    path("practitioners/<slug:slug>/report/", reports.report_profile, name="report_profile"),
    path("report/person/<id:object_id>/", reports.report_person, name="report_person"),
    path("report/message/<uuid:object_id>/", reports.report_message, name="report_message"),
    path(
        "report/attachment/<uuid:object_id>/",
        reports.report_attachment,
        name="report_attachment",
    ),
    path(
        "report/appointment/<id:object_id>/",
        reports.report_appointment,
        name="report_appointment",
    ),
    path("report/claim/<id:object_id>/", reports.report_claim, name="report_claim"),
    path("report/comment/<id:object_id>/", reports.report_comment, name="report_comment"),
    path("report/article/<slug:slug>/", reports.report_article, name="report_article"),
    path("reports/", reports.my_reports, name="my_reports"),
    path("reports/track/", reports.track_report, name="track_report"),
    path("reports/<uuid:report_id>/", reports.my_report, name="my_report"),
]

urlpatterns += [
    path("moderation/", moderation.queue, name="queue"),
    path(
        "moderation/reports/<uuid:report_id>/",
        moderation.moderate_report,
        name="moderate_report",
    ),
    path(
        "moderation/detections/<uuid:detection_id>/",
        moderation.moderate_detection,
        name="moderate_detection",
    ),
    path(
        "moderation/appeals/<uuid:appeal_id>/",
        moderation.moderate_appeal,
        name="moderate_appeal",
    ),
    path("decisions/", decisions.my_decisions, name="my_decisions"),
    path("decisions/<uuid:action_id>/", decisions.decision, name="decision"),
    path(
        "decisions/<uuid:action_id>/appeal/",
        decisions.appeal_decision,
        name="appeal_decision",
    ),
    path("decisions/link/<str:token>/", decisions.decision_by_link, name="decision_by_link"),
    path("transparency/", transparency.transparency_page, name="transparency"),
    path("transparency.csv", transparency.transparency_csv, name="transparency_csv"),
]
