"""ASGI entry point: websockets (and, on the embedded machine, pages too).

Production serves pages from the WSGI processes and routes ``/ws/`` here; see the README.
"""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402  (needs Django set up first)
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402

from casework.routing import websocket_urlpatterns  # noqa: E402
from casework.shell.live_bridge import bridged  # noqa: E402
from casework.shell.metrics import WebsocketMetricsMiddleware  # noqa: E402
from casework.shell.warm_start import ready_to_serve  # noqa: E402

application = ProtocolTypeRouter(
    {
        # Without Redis, the machine's other processes hand their group messages to this one.
        "http": bridged(django_asgi_app),
        "websocket": WebsocketMetricsMiddleware(
            AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns)))
        ),
    }
)

ready_to_serve()
