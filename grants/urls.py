from django.urls import path

from grants import views

app_name = "grants"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("new/", views.request_new, name="new"),
    path("clients/", views.client_list, name="clients"),
    path("queue/", views.queue, name="queue"),
    path("decisions/", views.decisions, name="decisions"),
    path("follow-up/", views.follow_up, name="follow_up"),
    path("limits/", views.limits, name="limits"),
    path("limits/fund/<int:fund_id>/", views.limits_rules, name="limits_rules"),
    path("limits/cap/<int:cap_id>/", views.limits_cap, name="limits_cap"),
    path("agencies/", views.agencies, name="agencies"),
    path("agencies/<int:pk>/", views.agency_edit, name="agency_edit"),
    path("people/", views.people_list, name="people"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("people/<int:pk>/role/", views.person_role, name="person_role"),
    path("people/<int:pk>/deactivate/", views.person_deactivate, name="person_deactivate"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/edit/", views.request_edit, name="edit"),
    path("<int:pk>/submit/", views.request_submit, name="submit"),
    path("<int:pk>/withdraw/", views.request_withdraw, name="withdraw"),
    path("<int:pk>/request-information/", views.request_info, name="request_info"),
    path("<int:pk>/approve/", views.request_approve, name="approve"),
    path("<int:pk>/decline/", views.request_decline, name="decline"),
    path("<int:pk>/cancel/", views.request_cancel, name="cancel"),
    path("<int:pk>/payout/", views.request_payout, name="payout"),
    path("<int:pk>/close/", views.request_close, name="close"),
    path("<int:pk>/quotes/", views.quote_upload, name="quote_upload"),
    path("<int:pk>/receipts/", views.receipt_upload, name="receipt_upload"),
    path("<int:pk>/outcome/", views.outcome_record, name="outcome"),
    path("<int:pk>/documents/<int:document_id>/", views.document_download, name="document"),
]
