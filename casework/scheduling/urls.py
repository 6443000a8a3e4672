from django.urls import path

from casework.scheduling import calendar_views, practice_views, views

app_name = "scheduling"

urlpatterns = [
    # Booking: choose a time, confirm it.
    path("book/<id:practitioner_id>/", views.practitioner_times, name="practitioner_times"),
    path("book/confirm/", views.confirm_booking, name="confirm_booking"),
    # Appointments, for both parties.
    path("appointments/", views.my_appointments, name="my_appointments"),
    path("appointments/<id:appointment_id>/", views.appointment_detail, name="appointment"),
    path(
        "appointments/<id:appointment_id>/appointment.ics",
        calendar_views.appointment_file,
        name="appointment_ics",
    ),
    path(
        "appointments/<id:appointment_id>/block/",
        views.block_from_appointment,
        name="block",
    ),
    path(
        "appointments/<id:appointment_id>/cancel/",
        views.cancel_appointment,
        name="cancel_appointment",
    ),
    path(
        "appointments/<id:appointment_id>/reschedule/",
        views.reschedule_appointment,
        name="reschedule_appointment",
    ),
    path(
        "appointments/<id:appointment_id>/confirm/",
        views.confirm_appointment,
        name="confirm_appointment",
    ),
    path(
        "appointments/<id:appointment_id>/decline/",
        views.decline_appointment,
        name="decline_appointment",
    ),
    path(
        "appointments/<id:appointment_id>/no-show/",
        views.record_no_show,
        name="record_no_show",
    ),
    # The practitioner's side.
    path(
        "practice/appointments/",
        views.practitioner_appointments,
        name="practitioner_appointments",
    ),
    path("practice/availability/", practice_views.availability_page, name="availability"),
    path("practice/availability/rules/", practice_views.update_rules, name="update_rules"),
    path("practice/availability/hours/", practice_views.add_window, name="add_window"),
    path(
        "practice/availability/hours/<id:window_id>/remove/",
        practice_views.remove_window,
        name="remove_window",
    ),
    path("practice/availability/exceptions/", practice_views.add_exception, name="add_exception"),
    path(
        "practice/availability/exceptions/<id:exception_id>/remove/",
        practice_views.remove_exception,
        name="remove_exception",
    ),
    path("practice/sessions/", practice_views.add_session_type, name="add_session_type"),
    path(
        "practice/sessions/<id:session_type_id>/",
        practice_views.edit_session_type,
        name="edit_session_type",
    ),
    path(
        "practice/sessions/<id:session_type_id>/withdraw/",
        practice_views.withdraw_session_type,
        name="withdraw_session_type",
    ),
    # Calendars.
    path("calendar/", calendar_views.calendar_settings, name="calendar_settings"),
    path("calendar/new/", calendar_views.create_calendar_feed, name="create_calendar_feed"),
    path("calendar/revoke/", calendar_views.revoke_calendar_feed, name="revoke_calendar_feed"),
    path("calendar/<str:token>.ics", calendar_views.calendar_feed, name="calendar_feed"),
]
