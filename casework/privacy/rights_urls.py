from django.urls import path

from casework.privacy import rights_views

app_name = "rights"

urlpatterns = [
    path("export/", rights_views.export_page, name="export"),
    path("export/<uuid:export_id>/", rights_views.export_download, name="export_download"),
    path("erase/", rights_views.erasure_page, name="erasure"),
    path("erase/cancel/", rights_views.erasure_cancel, name="erasure_cancel"),
]
