from django.urls import path

from casework.privacy import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.privacy_page, name="privacy"),
]
