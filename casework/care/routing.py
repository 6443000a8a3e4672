from django.urls import path

from casework.care.consumers import CaseloadConsumer

websocket_urlpatterns = [
    path("ws/care/caseload/", CaseloadConsumer.as_asgi()),
]
