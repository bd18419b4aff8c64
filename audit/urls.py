from django.urls import path

from audit import views, views_dashboards

app_name = "audit"
urlpatterns = [
    path("dashboard/", views_dashboards.dashboard, name="dashboard"),
    path("dashboard/<slug:chart>.csv", views_dashboards.dashboard_csv, name="dashboard_csv"),
    path("partner/", views_dashboards.partner, name="partner"),
    path("partner/<slug:chart>.csv", views_dashboards.partner_csv, name="partner_csv"),
    path("exports/", views.exports, name="exports"),
    path("exports/download/", views.export_download, name="export_download"),
    path("period-close/", views.period_close, name="period_close"),
    path("year-end/", views.year_end, name="year_end"),
    path("year-end/download/", views.year_end_download, name="year_end_download"),
    path("manifests/", views.manifests, name="manifests"),
    path("manifests/<int:pk>.json", views.manifest_json, name="manifest_json"),
]
