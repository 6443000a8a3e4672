from django.urls import path

from casework.video import views

app_name = "video"

urlpatterns = [
    path("sessions/", views.waiting_room, name="waiting_room"),
    path("sessions/<id:appointment_id>/", views.join, name="join"),
    path("sessions/<id:appointment_id>/place/", views.confirm_place, name="confirm_place"),
    path("sessions/<id:appointment_id>/admit/", views.admit, name="admit"),
    path("sessions/<id:appointment_id>/identity/", views.confirm_identity, name="identity"),
    path("sessions/<id:appointment_id>/end/", views.end, name="end"),
    path("sessions/<id:appointment_id>/drop-plan/", views.drop_plan, name="drop_plan"),
    path("sessions/<id:appointment_id>/chat/", views.chat, name="chat"),
]
