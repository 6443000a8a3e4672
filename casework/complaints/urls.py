from django.urls import path

from casework.complaints import views

app_name = "complaints"

urlpatterns = [
    path("complaints/new/", views.new_complaint, name="new"),
    path("complaints/track/", views.track_complaint, name="track"),
    path("oversight/complaints/", views.complaint_queue, name="queue"),
    path("oversight/complaints/<uuid:complaint_id>/", views.complaint_detail, name="detail"),
    path(
        "oversight/complaints/<uuid:complaint_id>/evidence/<uuid:evidence_id>/",
        views.evidence_file,
        name="evidence",
    ),
    path(
        "oversight/complaints/<uuid:complaint_id>/bundle.zip",
        views.evidence_bundle,
        name="bundle",
    ),
]
