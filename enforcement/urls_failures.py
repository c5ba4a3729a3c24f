"""Pages of failures to comply, warnings and breach referrals (NPS enforcement officers)
(mounted under /enforcement/)."""

from django.urls import path

from enforcement import views_failures as views

urlpatterns: list = [
    path("people/<str:crn>/failures/new/", views.failure_create, name="failure-create"),
    path("people/<str:crn>/failures/<int:failure_id>/", views.failure_detail, name="failure"),
    path(
        "people/<str:crn>/breach-referrals/<int:referral_id>/",
        views.breach_referral_detail,
        name="breach_referral",
    ),
    path("breach-referrals/", views.eo_queue, name="eo-queue"),
]
