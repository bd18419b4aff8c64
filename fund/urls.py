from django.urls import path

from fund import views

app_name = "fund"
urlpatterns = [
    path("", views.home, name="home"),
    path("start/", views.start, name="start"),
]
