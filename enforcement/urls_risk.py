"""Pages of risk escalation, risk reviews, intelligence, serious further offences and
Victim Summary Reports (mounted under /enforcement/)."""

from django.urls import path

from enforcement import views_risk

urlpatterns: list = [
    path("risk-escalations/", views_risk.escalation_queue, name="escalation-queue"),
    path(
        "people/<str:crn>/risk-escalations/new/",
        views_risk.escalation_create,
        name="escalation-create",
    ),
    path(
        "people/<str:crn>/risk-escalations/<int:escalation_id>/",
        views_risk.risk_escalation,
        name="risk_escalation",
    ),
    path(
        "people/<str:crn>/risk-reviews/<int:review_id>/",
        views_risk.risk_review,
        name="risk_review",
    ),
    path(
        "people/<str:crn>/intelligence/new/",
        views_risk.intelligence_create,
        name="intelligence-create",
    ),
    path(
        "people/<str:crn>/intelligence/<int:intelligence_id>/",
        views_risk.intelligence_detail,
        name="intelligence",
    ),
    path("people/<str:crn>/sfos/new/", views_risk.sfo_create, name="sfo-create"),
    path("people/<str:crn>/sfos/<int:sfo_id>/", views_risk.sfo_review, name="sfo_review"),
    path(
        "people/<str:crn>/victim-summary-reports/<int:vsr_id>/",
        views_risk.victim_summary_report,
        name="victim_summary_report",
    ),
]
