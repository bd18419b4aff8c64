from django.urls import path

from banking import views

app_name = "banking"
urlpatterns = [
    path("", views.statements, name="statements"),
    path("lines/", views.lines, name="lines"),
    path("lines/<int:pk>/", views.line_detail, name="line"),
    path("lines/<int:pk>/match/", views.line_match, name="line-match"),
    path("lines/<int:pk>/work/", views.line_work_view, name="line-work"),
    path("matches/<int:pk>/undo/", views.match_undo_view, name="match-undo"),
    path("suspense/", views.suspense, name="suspense"),
    path("suspense/<int:pk>/clear/", views.suspense_clear_view, name="suspense-clear"),
    path("rules/", views.rules, name="rules"),
    path("layouts/", views.layouts, name="layouts"),
    path("reconciliation/", views.reconciliation, name="reconciliation"),
    path("reconciliation/mark/", views.reconciliation_mark_view, name="reconciliation-mark"),
]
