from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import SimpleRouter

from allocation import api as allocation_api
from allocation import api_reallocation as allocation_api_reallocation
from allocation import api_referrals as allocation_api_referrals
from contracts import api as contracts_api
from enforcement import api as enforcement_api
from enforcement import api_referrals as enforcement_api_referrals
from performance import api as performance_api
from probation.api import calculations, views
from probation.api import caseload as api_caseload
from probation.api import contacts as api_contacts
from probation.api import plans as api_plans
from probation.api import sentences as api_sentences
from probation.api import transfers as api_transfers
from resettlement import api as resettlement_api

router = SimpleRouter()
router.register("organisations", views.OrganisationViewSet, basename="organisation")
router.register("people", views.PersonViewSet, basename="person")

v1 = [
    path(
        "calculations/supervision-periods",
        calculations.SupervisionPeriodsView.as_view(),
        name="supervision-periods",
    ),
    path(
        "calculations/allocation",
        allocation_api.AllocationCalculationView.as_view(),
        name="allocation-calculation",
    ),
    path("allocations/", allocation_api.AllocationFeedView.as_view(), name="allocations"),
    path(
        "calculations/enforcement-options",
        enforcement_api.EnforcementOptionsView.as_view(),
        name="enforcement-options-calculation",
    ),
    # contacts and plan (helper "contacts")
    path(
        "people/<str:crn>/contacts/",
        api_contacts.ContactListView.as_view(),
        name="person-contacts",
    ),
    path(
        "people/<str:crn>/contacts/<int:contact_id>/",
        api_contacts.ContactDetailView.as_view(),
        name="person-contact",
    ),
    path(
        "people/<str:crn>/plan-versions/",
        api_plans.PlanVersionListView.as_view(),
        name="person-plan-versions",
    ),
    path(
        "people/<str:crn>/plan-versions/<int:version>/",
        api_plans.PlanVersionDetailView.as_view(),
        name="person-plan-version",
    ),
    # sentences and requirements (helper "sentences")
    path(
        "people/<str:crn>/sentences/",
        api_sentences.SentenceListView.as_view(),
        name="person-sentences",
    ),
    path(
        "people/<str:crn>/sentences/<int:number>/",
        api_sentences.SentenceDetailView.as_view(),
        name="person-sentence",
    ),
    path(
        "people/<str:crn>/sentences/<int:number>/requirements/",
        api_sentences.SentenceRequirementsView.as_view(),
        name="person-sentence-requirements",
    ),
    path(
        "people/<str:crn>/sentences/<int:number>/requirements/<int:requirement_id>/",
        api_sentences.RequirementDetailView.as_view(),
        name="person-sentence-requirement",
    ),
    path(
        "people/<str:crn>/sentences/<int:number>/licence",
        api_sentences.LicenceView.as_view(),
        name="person-sentence-licence",
    ),
    # cases allocated in error (helper "reallocation")
    path(
        "people/<str:crn>/sentences/<int:number>/reallocation-requests",
        allocation_api_reallocation.ReallocationRequestListView.as_view(),
        name="person-sentence-reallocation-requests",
    ),
    path(
        "people/<str:crn>/sentences/<int:number>/allocation-referral",
        allocation_api_referrals.AllocationReferralView.as_view(),
        name="person-sentence-allocation-referral",
    ),
    # termination and transfers between CPAs (helper "transfers")
    path(
        "people/<str:crn>/transfers/",
        api_transfers.TransferListView.as_view(),
        name="person-transfers",
    ),
    path(
        "people/<str:crn>/transfers/<int:transfer_id>/",
        api_transfers.TransferDetailView.as_view(),
        name="person-transfer",
    ),
    path(
        "people/<str:crn>/transfers/<int:transfer_id>/decision",
        api_transfers.TransferDecisionView.as_view(),
        name="person-transfer-decision",
    ),
    path(
        "people/<str:crn>/sentences/<int:number>/termination",
        api_transfers.TerminationView.as_view(),
        name="person-sentence-termination",
    ),
    path(
        "people/<str:crn>/sentences/<int:number>/termination/notifications",
        api_transfers.TerminationNotificationView.as_view(),
        name="person-sentence-termination-notifications",
    ),
    # referrals between organisations, followed by the organisations involved
    path("referrals/", enforcement_api_referrals.ReferralListView.as_view(), name="referrals"),
    path(
        "referrals/<str:workflow>/<int:record_id>",
        enforcement_api_referrals.ReferralDetailView.as_view(),
        name="referral",
    ),
    # Through the Gate resettlement (resettlement.api)
    path(
        "calculations/resettlement-responsibility",
        resettlement_api.ResettlementResponsibilityView.as_view(),
        name="resettlement-responsibility-calculation",
    ),
    path(
        "custody-episodes/",
        resettlement_api.CustodyEpisodeListView.as_view(),
        name="custody-episodes",
    ),
    path(
        "people/<str:crn>/custody-episodes/",
        resettlement_api.PersonCustodyEpisodeListView.as_view(),
        name="person-custody-episodes",
    ),
    path(
        "people/<str:crn>/custody-episodes/<int:episode_id>/",
        resettlement_api.CustodyEpisodeDetailView.as_view(),
        name="person-custody-episode",
    ),
    path(
        "people/<str:crn>/custody-episodes/<int:episode_id>/moves/",
        resettlement_api.MoveView.as_view(),
        name="person-custody-episode-moves",
    ),
    path(
        "people/<str:crn>/custody-episodes/<int:episode_id>/sentence/",
        resettlement_api.SentenceView.as_view(),
        name="person-custody-episode-sentence",
    ),
    path(
        "people/<str:crn>/custody-episodes/<int:episode_id>/release/",
        resettlement_api.ReleaseView.as_view(),
        name="person-custody-episode-release",
    ),
    # caseloads (helper "caseload")
    path("caseload/", api_caseload.CaseloadView.as_view(), name="caseload"),
    # contracts, ledger, payment runs and the payment calculations (contracts.api)
    *contracts_api.urlpatterns,
    # performance facts, the funnel calculation and open-data tables (performance.api)
    *performance_api.urlpatterns,
    path("", include(router.urls)),
]

urlpatterns = [
    path("v1/", include((v1, "api"), namespace="v1")),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="schema"), name="swagger-ui"),
]
