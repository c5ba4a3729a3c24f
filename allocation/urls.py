"""Pages of the allocation app, mounted at /allocation/."""

from django.urls import path

from allocation import views

app_name = "allocation"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("<str:crn>/<int:number>/", views.allocate, name="allocate"),
]
