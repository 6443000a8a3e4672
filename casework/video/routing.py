from django.urls import path

from casework.video.consumers import CallConsumer

websocket_urlpatterns = [
    path("ws/video/<int:appointment_id>/", CallConsumer.as_asgi()),
]
