from django.contrib.auth.decorators import login_not_required
from django.urls import path
from django.views.generic import RedirectView

from casework.directory import views

app_name = "directory"

urlpatterns = [
    path("find/", views.search_practitioners, name="search"),
    # The list of practitioners is the search: links to it keep working, filters included.
    path(
        "practitioners/",
        login_not_required(
            RedirectView.as_view(pattern_name="directory:search", permanent=True, query_string=True)
        ),
        name="search_redirect",
    ),
    path("practitioners/<slug:slug>/", views.profile, name="profile"),
    path("practitioners/<slug:slug>/photo.jpg", views.photo, name="photo"),
    path("practitioners/<slug:slug>/block/", views.block_practitioner, name="block"),
    path("practice/profile/", views.edit_profile, name="edit_profile"),
    path("oversight/display-names/", views.display_name_reviews, name="display_name_reviews"),
    path(
        "oversight/display-names/<id:profile_id>/",
        views.review_display_name,
        name="review_display_name",
    ),
]
