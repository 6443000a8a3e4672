"""Every websocket route of the project, one list per app."""

from casework.accounts.routing import websocket_urlpatterns as account_routes

websocket_urlpatterns = [*account_routes]
