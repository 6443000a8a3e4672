from django.urls import path

from casework.registry.credentials import views

app_name = "credentials"

urlpatterns = [
    path(".well-known/did.json", views.did_document, name="did_document"),
    path("credentials/status/<slug:list_id>/", views.status_list, name="status_list"),
    path("verify/credential/", views.verify_credential, name="verify"),
]
