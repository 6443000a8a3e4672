from django.urls import path

from casework.accounts.consumers import AccountEventsConsumer

websocket_urlpatterns = [
    path("ws/account/", AccountEventsConsumer.as_asgi()),
]
