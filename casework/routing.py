"""Every websocket route of the project, one list per app."""

from casework.accounts.routing import websocket_urlpatterns as account_routes
from casework.care.routing import websocket_urlpatterns as care_routes
from casework.messaging.routing import websocket_urlpatterns as messaging_routes
from casework.video.routing import websocket_urlpatterns as video_routes

websocket_urlpatterns = [*account_routes, *messaging_routes, *care_routes, *video_routes]
