from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from casework import api
from casework.accounts.urls import allauth_urlpatterns
from casework.shell import metrics
from casework.shell import views as shell_views

urlpatterns = [
    # First: nothing else answers under api/v1/, and an API call no longer tries every page's
    # pattern before its own (a seventh of a kept /api/v1/verify answer was that search).
    path("api/v1/", include(api.public_urls())),
    path("", include("casework.shell.urls")),
    path("", include("casework.registry.urls")),
    path("", include("casework.registry.credentials.urls")),
    path("", include("casework.directory.urls")),
    path("", include("casework.scheduling.urls")),
    path("", include("casework.messaging.urls")),
    path("", include("casework.care.urls")),
    path("", include("casework.video.urls")),
    path("", include("casework.safety.urls")),
    path("", include("casework.oversight.urls")),
    path("", include("casework.complaints.urls")),
    path("", include("casework.community.urls")),
    path("", include("casework.privacy.urls")),
    path("accounts/", include(allauth_urlpatterns)),
    path("accounts/", include("casework.accounts.urls")),
    path("account/data/", include("casework.privacy.rights_urls")),
    path("language/", shell_views.set_language, name="set_language"),
    path("healthz", shell_views.healthz, name="healthz"),
    path("readyz", shell_views.readyz, name="readyz"),
    path(settings.METRICS_PATH, metrics.metrics, name="metrics"),
    path(settings.ADMIN_URL, admin.site.urls),
]

# An outage met outside a view answers 503, not 500 (casework/shell/outages.py).
handler500 = "casework.shell.views.server_error"
