from django.urls import path

from people import views

app_name = "people"
urlpatterns = [
    path("invitation/<str:token>/", views.invitation_accept, name="invitation_accept"),
]
