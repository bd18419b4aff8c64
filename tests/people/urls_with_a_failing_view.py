"""The project's URLs plus one view that fails, to see what a visitor gets on a 500."""

from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def failing_view(request):
    raise RuntimeError("secret detail: client reference CL-0001 and a stack trace")


urlpatterns = [*project_urlpatterns, path("fails/", failing_view)]
