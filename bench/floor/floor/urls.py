from django.urls import path

from . import views

urlpatterns = [
    path("", views.trivial),
    path("query/", views.one_query),
]
