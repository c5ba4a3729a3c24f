from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from probation.health import HealthView
from probation.views import audit, home, organisations, people

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("people/", people.person_list, name="people"),
    path("people/new/", people.person_create, name="person-create"),
    path("people/<str:crn>/", people.person_detail, name="person-detail"),
    path("people/<str:crn>/change/", people.person_update, name="person-update"),
    path("organisations/", organisations.organisation_list, name="organisations"),
    path("organisations/<str:code>/", organisations.organisation_detail, name="organisation"),
    path("audit/", audit.audit_search, name="audit"),
    path("allocation/", include("allocation.urls")),
    path("enforcement/", include("enforcement.urls")),
    path("resettlement/", include("resettlement.urls")),
    path("contracts/", include("contracts.urls")),
    path("api/", include("probation.api.urls")),
    path("health/", HealthView.as_view(), name="health"),
    path("admin/", admin.site.urls),
]

handler403 = "probation.views.errors.permission_denied"
