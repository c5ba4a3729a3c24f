"""Pages of recall requests: NPS senior manager endorsement and PPCS decisions
(mounted under /enforcement/)."""

from django.urls import path

from enforcement import views_recalls

urlpatterns: list = [
    path("people/<str:crn>/recalls/new/", views_recalls.recall_create, name="recall-create"),
    path(
        "people/<str:crn>/recalls/<int:recall_id>/",
        views_recalls.recall_detail,
        name="recall_request",
    ),
    path("recalls/endorsement/", views_recalls.endorsement_queue, name="endorsement-queue"),
    path("recalls/ppcs/", views_recalls.ppcs_queue, name="ppcs-queue"),
]
