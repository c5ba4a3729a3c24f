from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from probation.health import HealthView
from probation.views import (
    audit,
    contacts,
    documents,
    home,
    notifications,
    organisations,
    people,
    plans,
)
from probation.views import caseload as caseload_views
from probation.views import sentences as sentence_views
from probation.views import transfers as transfer_views

urlpatterns = [
    path("", home.home, name="home"),
    path(
        "sign-in/",
        auth_views.LoginView.as_view(template_name="registration/login.html"),
        name="login",
    ),
    path("sign-out/", auth_views.LogoutView.as_view(), name="logout"),
    path("notifications/", notifications.notification_list, name="notifications"),
    path(
        "notifications/<int:notification_id>/read/",
        notifications.notification_read,
        name="notification-read",
    ),
    path("people/", people.person_list, name="people"),
    path("people/new/", people.person_create, name="person-create"),
    path("people/<str:crn>/", people.person_detail, name="person-detail"),
    path("people/<str:crn>/change/", people.person_update, name="person-update"),
    # contacts and plan (helper "contacts")
    path("people/<str:crn>/contacts/", contacts.contact_list, name="contacts"),
    path("people/<str:crn>/contacts/new/", contacts.contact_create, name="contact-create"),
    path(
        "people/<str:crn>/contacts/<int:contact_id>/",
        contacts.contact_update,
        name="contact-update",
    ),
    path(
        "people/<str:crn>/documents/<int:document_id>/",
        documents.document_detail,
        name="document",
    ),
    path("people/<str:crn>/plan/", plans.plan_detail, name="plan"),
    path("people/<str:crn>/plan/new/", plans.plan_create, name="plan-create"),
    # sentences, requirements and licences (helper "sentences")
    path("people/<str:crn>/sentences/new/", sentence_views.sentence_create, name="sentence-create"),
    path(
        "people/<str:crn>/sentences/<int:number>/",
        sentence_views.sentence_detail,
        name="sentence-detail",
    ),
    path(
        "people/<str:crn>/sentences/<int:number>/change/",
        sentence_views.sentence_update,
        name="sentence-update",
    ),
    path(
        "people/<str:crn>/sentences/<int:number>/requirements/new/",
        sentence_views.requirement_create,
        name="requirement-create",
    ),
    path(
        "people/<str:crn>/sentences/<int:number>/requirements/<int:requirement_id>/",
        sentence_views.requirement_update,
        name="requirement-update",
    ),
    path(
        "people/<str:crn>/sentences/<int:number>/licence/",
        sentence_views.licence_update,
        name="licence-update",
    ),
    # termination and transfers between CPAs (helper "transfers")
    path(
        "people/<str:crn>/sentences/<int:number>/terminate/",
        transfer_views.sentence_terminate,
        name="sentence-terminate",
    ),
    path("people/<str:crn>/transfers/new/", transfer_views.transfer_create, name="transfer-create"),
    path(
        "people/<str:crn>/transfers/<int:transfer_id>/",
        transfer_views.transfer_decide,
        name="transfer-decide",
    ),
    path("transfers/", transfer_views.transfer_list, name="transfers"),
    # caseloads (helper "caseload")
    path("caseload/", caseload_views.caseload_page, name="caseload"),
    path("organisations/", organisations.organisation_list, name="organisations"),
    path("organisations/<str:code>/", organisations.organisation_detail, name="organisation"),
    path("audit/", audit.audit_search, name="audit"),
    path("allocation/", include("allocation.urls")),
    path("enforcement/", include("enforcement.urls")),
    path("resettlement/", include("resettlement.urls")),
    path("contracts/", include("contracts.urls")),
    path("performance/", include("performance.urls")),
    path("api/", include("probation.api.urls")),
    path("health/", HealthView.as_view(), name="health"),
    path("admin/", admin.site.urls),
]

handler403 = "probation.views.errors.permission_denied"
