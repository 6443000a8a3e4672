"""WSGI entry point: the pages, served by granian's WSGI workers."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "casework.settings")
application = get_wsgi_application()

from casework.shell.warm_start import ready_to_serve  # noqa: E402  (needs Django set up first)

ready_to_serve()
