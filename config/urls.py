from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("fund.urls")),
    path("donations/", include("donations.urls")),
    path("grants/", include("grants.urls")),
    path("audit/", include("audit.urls")),
    path("accounts/", include("allauth.urls")),
    path("admin/", admin.site.urls),
]
