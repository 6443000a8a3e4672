from django.urls import path

from casework.shell import views

app_name = "shell"

urlpatterns = [
    path("", views.home, name="home"),
    path("home/", views.dashboard, name="dashboard"),
]
