from django.urls import path

from audit.views import dashboards, exports, period_close, year_end

app_name = "audit"
urlpatterns = [
    path("dashboard/", dashboards.dashboard, name="dashboard"),
    path("dashboard/<slug:chart>.csv", dashboards.dashboard_csv, name="dashboard_csv"),
    path("partner/", dashboards.partner, name="partner"),
    path("partner/<slug:chart>.csv", dashboards.partner_csv, name="partner_csv"),
    path("exports/", exports.exports, name="exports"),
    path("exports/download/", exports.export_download, name="export_download"),
    path("period-close/", period_close.period_close, name="period_close"),
    path("year-end/", year_end.year_end, name="year_end"),
    path("year-end/download/", year_end.year_end_download, name="year_end_download"),
    path("manifests/", exports.manifests, name="manifests"),
    path("manifests/<int:pk>.json", exports.manifest_json, name="manifest_json"),
]
