from django.urls import path

from casework.oversight import views

app_name = "oversight"

urlpatterns = [
    path("oversight/", views.portal_home, name="home"),
    path("oversight/regulators/<slug:regulator>/", views.dashboard, name="dashboard"),
    path(
        "oversight/regulators/<slug:regulator>/registrants.csv",
        views.registrants_csv,
        name="registrants_csv",
    ),
    path(
        "oversight/regulators/<slug:regulator>/figures.csv", views.figures_csv, name="figures_csv"
    ),
    path(
        "oversight/regulators/<slug:regulator>/webhook/",
        views.webhook_deliveries,
        name="webhook_deliveries",
    ),
    path("oversight/registrations/<id:entry_id>/", views.registration, name="registration"),
    path("oversight/registrations/<id:entry_id>/suspend/", views.suspend, name="suspend"),
    path(
        "oversight/registrations/<id:entry_id>/lift-suspension/",
        views.lift_suspension,
        name="lift_suspension",
    ),
    path(
        "oversight/registrations/<id:entry_id>/conditions/",
        views.set_conditions,
        name="set_conditions",
    ),
    path(
        "oversight/registrations/<id:entry_id>/lift-conditions/",
        views.lift_conditions,
        name="lift_conditions",
    ),
    path("oversight/invitations/<str:token>/", views.accept_invitation, name="accept_invitation"),
]
