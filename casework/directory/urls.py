from django.urls import path

from casework.directory import views

app_name = "directory"

urlpatterns = [
    path("practitioners/", views.search_practitioners, name="search"),
    path("practitioners/<slug:slug>/", views.profile, name="profile"),
    path("practitioners/<slug:slug>/photo.jpg", views.photo, name="photo"),
    path("practice/profile/", views.edit_profile, name="edit_profile"),
]
