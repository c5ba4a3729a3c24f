"""Pages of the allocation app, mounted at /allocation/."""

from django.urls import path

from allocation import views, views_instructions, views_reallocation, views_referrals

app_name = "allocation"
urlpatterns = [
    path("", views.queue, name="queue"),
    # cases allocated in error (helper "reallocation")
    path("reallocations/", views_reallocation.open_list, name="reallocations"),
    path("<str:crn>/<int:number>/flag/", views_reallocation.flag, name="reallocation-flag"),
    path(
        "<str:crn>/<int:number>/reallocation/<int:request_id>/",
        views_reallocation.decide,
        name="reallocation-decide",
    ),
    path("<str:crn>/<int:number>/", views.allocate, name="allocate"),
    path("<str:crn>/<int:number>/referral/", views_referrals.referral, name="referral"),
    path(
        "<str:crn>/<int:number>/reporting-instructions/",
        views_instructions.reporting_instructions,
        name="instructions",
    ),
]
