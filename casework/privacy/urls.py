from django.urls import path

from casework.privacy import hold_views, views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.privacy_page, name="privacy"),
    path("privacy/holds/", hold_views.hold_list, name="holds"),
    path("privacy/holds/<uuid:hold_id>/lift/", hold_views.lift_hold, name="lift_hold"),
]
