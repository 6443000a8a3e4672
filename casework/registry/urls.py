from django.urls import path

from casework.registry import import_views, views

app_name = "registry"

urlpatterns = [
    path("verify/", views.verify_search, name="verify"),
    path("places/<str:language>-<str:version>.json", views.places_list, name="places"),
    path("verify/<slug:regulator>/<str:number>/", views.verification, name="verification"),
    path("verify/<slug:regulator>/<str:number>/badge.svg", views.badge, name="badge"),
    path("verify/<slug:regulator>/<str:number>/badge.json", views.badge_json, name="badge_json"),
    path("practice/registrations/", views.my_registrations, name="my_registrations"),
    path(
        "practice/registrations/<id:claim_id>/withdraw/",
        views.withdraw_registration,
        name="withdraw_registration",
    ),
    path(
        "practice/registrations/<id:claim_id>/code/send/",
        views.send_claim_code,
        name="send_claim_code",
    ),
    path(
        "practice/registrations/<id:claim_id>/code/",
        views.prove_claim_code,
        name="prove_claim_code",
    ),
    path(
        "practice/registrations/<id:claim_id>/evidence/",
        views.add_claim_evidence,
        name="add_claim_evidence",
    ),
    path("oversight/reviews/", views.review_queue, name="review_queue"),
    path("oversight/imports/", import_views.register_imports, name="register_imports"),
    path("oversight/imports/sources/", import_views.scheduled_readings, name="register_sources"),
    path(
        "oversight/imports/sources/<slug:regulator>/remove/",
        import_views.stop_scheduled_reading,
        name="remove_register_source",
    ),
    path(
        "oversight/imports/<id:import_id>/",
        import_views.register_import_detail,
        name="register_import",
    ),
    path(
        "oversight/imports/<id:import_id>/decide/",
        import_views.register_import_decision,
        name="register_import_decision",
    ),
    path("oversight/reviews/<id:claim_id>/", views.review_claim, name="review_claim"),
    path("oversight/reviews/<id:claim_id>/evidence/", views.claim_evidence, name="claim_evidence"),
    path(
        "oversight/reviews/<id:claim_id>/identity/",
        views.claim_identity_document,
        name="claim_identity_document",
    ),
]
