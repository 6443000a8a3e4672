from django.urls import path

from casework.messaging import views

app_name = "messaging"

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/new/<id:person_id>/", views.start_conversation, name="start"),
    path("messages/blocked/", views.blocked_people, name="blocked_people"),
    path("messages/blocked/<id:person_id>/unblock/", views.unblock, name="unblock"),
    path("messages/office-hours/", views.office_hours_page, name="office_hours"),
    path("messages/<uuid:conversation_id>/", views.conversation, name="conversation"),
    path(
        "messages/<uuid:conversation_id>/close/",
        views.close_conversation,
        name="close_conversation",
    ),
    path(
        "messages/<uuid:conversation_id>/block/",
        views.block_in_conversation,
        name="block",
    ),
    path(
        "messages/<uuid:conversation_id>/messages/<uuid:message_id>/edit/",
        views.edit_message,
        name="edit_message",
    ),
    path(
        "messages/<uuid:conversation_id>/messages/<uuid:message_id>/delete/",
        views.delete_message,
        name="delete_message",
    ),
    path(
        "messages/<uuid:conversation_id>/files/<uuid:attachment_id>/",
        views.attachment,
        name="attachment",
    ),
]
