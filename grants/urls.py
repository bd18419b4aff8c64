from django.urls import path

from grants.views import agencies, decisions, documents, limits, payments, requests

app_name = "grants"
urlpatterns = [
    path("", requests.request_list, name="list"),
    path("new/", requests.request_new, name="new"),
    path("clients/", requests.client_list, name="clients"),
    path("queue/", decisions.queue, name="queue"),
    path("decisions/", decisions.decisions, name="decisions"),
    path("follow-up/", payments.follow_up, name="follow_up"),
    path("limits/", limits.limits, name="limits"),
    path("limits/fund/<int:fund_id>/", limits.limits_rules, name="limits_rules"),
    path("limits/cap/<int:cap_id>/", limits.limits_cap, name="limits_cap"),
    path("agencies/", agencies.agencies, name="agencies"),
    path("agencies/<int:pk>/", agencies.agency_edit, name="agency_edit"),
    path("people/", agencies.people_list, name="people"),
    path("people/<int:pk>/", agencies.person_detail, name="person"),
    path("people/<int:pk>/role/", agencies.person_role, name="person_role"),
    path("people/<int:pk>/deactivate/", agencies.person_deactivate, name="person_deactivate"),
    path("<int:pk>/", requests.request_detail, name="detail"),
    path("<int:pk>/edit/", requests.request_edit, name="edit"),
    path("<int:pk>/submit/", requests.request_submit, name="submit"),
    path("<int:pk>/withdraw/", requests.request_withdraw, name="withdraw"),
    path("<int:pk>/request-information/", decisions.request_info, name="request_info"),
    path("<int:pk>/approve/", decisions.request_approve, name="approve"),
    path("<int:pk>/decline/", decisions.request_decline, name="decline"),
    path("<int:pk>/cancel/", decisions.request_cancel, name="cancel"),
    path("<int:pk>/payout/", payments.request_payout, name="payout"),
    path("<int:pk>/close/", payments.request_close, name="close"),
    path("<int:pk>/quotes/", documents.quote_upload, name="quote_upload"),
    path("<int:pk>/receipts/", documents.receipt_upload, name="receipt_upload"),
    path("<int:pk>/outcome/", payments.outcome_record, name="outcome"),
    path("<int:pk>/documents/<int:document_id>/", documents.document_download, name="document"),
]
