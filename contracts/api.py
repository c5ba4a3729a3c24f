"""The contracts API (issue 8 parts 2, 3, 5 and 9): calculation endpoints, contracts, ledger
lines and payment runs.

Calculations (``POST /api/v1/calculations/wav``, ``ffs-reconciliation``, ``pbr-binary``,
``pbr-frequency``) read and store no case data, so any signed-in user or API client may
call them, like the other calculation endpoints. Each validates the facts and calls the
formula in ``contracts.rules`` – the same function the monthly run calls – so the endpoint
and the ledger cannot disagree. Impossible facts are a 400 naming the field, never a 500.

Contracts: NOMS contract managers see and change every contract; a CRC's managers, finance
officers and API client read their own CRC's; anybody else sees none. A contract outside
scope answers 404 like a missing one (``probation.access.contract_for_view``); a caller who
sees a contract but may not change it gets 403. Every change is audited and saved with
``updated_by``; a PATCH locks the contract's row for its transaction.

The ledger of a contract lists its lines (by month, then id); one line's detail lists what
it counted – starts, cohort members with their reoffences, the cases behind a missed service
level, deliveries and Senior Attendance Centre orders – by CRN and sentence reference, never
by name.

Payment runs are NOMS's: contract managers list them and start one for a month that has
ended; anybody else sees an empty list, gets 403 starting one and 404 for a run's id.
"""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import Prefetch
from django.http import Http404
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import exceptions, generics, status
from rest_framework.response import Response
from rest_framework.views import APIView

from contracts import payments, rules, services
from contracts import serializers as shapes
from contracts.models import (
    ChargedOrder,
    CohortMember,
    Contract,
    InvoicedDelivery,
    LedgerEntry,
    PaymentRun,
    PaymentRunPart,
    RateCardItem,
    RunTrigger,
    ServiceLevel,
    ServiceLevelCase,
    WavStart,
)
from probation import access, audit
from probation.api.pagination import Pagination

CONTRACT_ID = OpenApiParameter("contract_id", int, OpenApiParameter.PATH, description="Contract id")
ENTRY_ID = OpenApiParameter("entry_id", int, OpenApiParameter.PATH, description="Ledger line id")
RUN_ID = OpenApiParameter("run_id", int, OpenApiParameter.PATH, description="Payment run id")
CURSOR = OpenApiParameter("cursor", OpenApiTypes.STR, description="From `next`")
PAGE_SIZE = OpenApiParameter("page_size", OpenApiTypes.INT, description="1 to 500, default 50")


# --- Calculations --------------------------------------------------------------------------


def _computed(formula, data: dict, *names: str):
    """``formula(*data[name] for name in names)``. The serializers bound every figure so
    the formula can compute it exactly; should one still fall outside the 28-digit decimal
    context, or a formula refuse the facts, that is a 400 naming the fields, never a 500."""
    try:
        return formula(*(data[name] for name in names))
    except (ArithmeticError, ValueError) as error:
        message = "These figures cannot be computed exactly: give smaller or fewer figures."
        raise exceptions.ValidationError({name: [message] for name in names}) from error


class WavCalculationView(APIView):
    """The Weighted Annual Volume of the starts given (``contracts.rules.wav``)."""

    @extend_schema(
        operation_id="calculate_wav",
        summary="Weighted Annual Volume of a list of starts",
        description=(
            "A start weighs its type's weight plus, for a community order or SSO with unpaid "
            "work, the weight of the first band whose max_hours is at or above the hours "
            "ordered (the last band, max_hours null, takes any number). All five start types "
            "need a weight. Figures are decimal strings at full precision."
        ),
        request=shapes.WavRequest,
        responses={200: shapes.WavResponse},
        examples=[
            OpenApiExample(
                "Two orders and a licence",
                value={
                    "weights": {
                        "COMMUNITY_ORDER": "1.0",
                        "SUSPENDED_SENTENCE_ORDER": "1.2",
                        "LICENCE": "1.5",
                        "PSS": "0.5",
                        "RESETTLEMENT_PLAN": "0.3",
                    },
                    "upw_bands": [
                        {"max_hours": 100, "weight": "0.4"},
                        {"max_hours": 200, "weight": "0.8"},
                        {"max_hours": None, "weight": "1.2"},
                    ],
                    "starts": [
                        {"type": "COMMUNITY_ORDER", "upw_hours": 100},
                        {"type": "SUSPENDED_SENTENCE_ORDER", "upw_hours": 101},
                        {"type": "LICENCE"},
                    ],
                },
                request_only=True,
            ),
            OpenApiExample(
                "Answer",
                value={
                    "wav": "4.9",
                    "by_type": {
                        "COMMUNITY_ORDER": "1.4",
                        "SUSPENDED_SENTENCE_ORDER": "2",
                        "LICENCE": "1.5",
                    },
                },
                response_only=True,
            ),
        ],
    )
    def post(self, request):
        given = shapes.WavRequest(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        data["starts"] = [(start["type"], start["upw_hours"], 1) for start in data["starts"]]
        result = _computed(rules.wav, data, "weights", "upw_bands", "starts")
        return Response(shapes.WavResponse(result).data)


class ReconciliationCalculationView(APIView):
    """The year-end reconciliation of fee for service (``contracts.rules.reconcile``)."""

    @extend_schema(
        operation_id="calculate_ffs_reconciliation",
        summary="Year-end FFS reconciliation and the twelve monthly instalments",
        description=(
            "Unit price = annual FFS ÷ predicted WAV; the band is predicted WAV × (1 ± "
            "tolerance). An actual WAV above the band is paid (actual − upper bound) × unit "
            "price; below it, (lower bound − actual) × unit price is deducted; on an edge or "
            "inside, nothing. Money is rounded half-up to the penny."
        ),
        request=shapes.ReconciliationRequest,
        responses={200: shapes.ReconciliationResponse},
        examples=[
            OpenApiExample(
                "Above the band",
                value={
                    "annual_ffs": "10000000.00",
                    "predicted_wav": "5000",
                    "actual_wav": "5300",
                    "tolerance": "0.05",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        given = shapes.ReconciliationRequest(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        result = _computed(
            rules.reconcile, data, "annual_ffs", "predicted_wav", "actual_wav", "tolerance"
        )
        return Response(shapes.ReconciliationResponse(result).data)  # the rules' result as it is


class BinaryCalculationView(APIView):
    """The binary PbR metric of a quarterly cohort (``contracts.rules.pbr_binary``)."""

    @extend_schema(
        operation_id="calculate_pbr_binary",
        summary="Payment by results, binary metric: exact binomial tests of a cohort",
        description=(
            "X ~ Binomial(n, b): p_value_reduction = P(X ≤ k), p_value_increase = P(X ≥ k). "
            "Below the significance level, a reduction is paid price × (b·n − k) and an "
            "increase deducted price × (k − b·n); otherwise nothing."
        ),
        request=shapes.BinaryRequest,
        responses={200: shapes.BinaryResponse},
        examples=[
            OpenApiExample(
                "A significant reduction",
                value={
                    "cohort_size": 400,
                    "reoffenders": 120,
                    "baseline_rate": "0.35",
                    "price_per_reoffender": "1000.00",
                    "significance_level": "0.05",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        given = shapes.BinaryRequest(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        result = _computed(
            rules.pbr_binary,
            data,
            "cohort_size",
            "reoffenders",
            "baseline_rate",
            "price_per_reoffender",
            "significance_level",
        )
        return Response(shapes.BinaryResponse(result).data)  # the rules' result as it is


class FrequencyCalculationView(APIView):
    """The frequency PbR metric of an annual cohort (``contracts.rules.pbr_frequency``)."""

    @extend_schema(
        operation_id="calculate_pbr_frequency",
        summary="Payment by results, frequency metric: reoffences per reoffender",
        description=(
            "f = F ÷ R (0 when R is 0); the hurdle is met when R ÷ n is at or below the "
            "baseline rate. f < fb with the hurdle met: REDUCTION, paid price × (fb − f) × R; "
            "with it missed: HURDLE_NOT_MET, nothing; f > fb: INCREASE, deducted "
            "price × (f − fb) × R, hurdle or not; otherwise NO_CHANGE."
        ),
        request=shapes.FrequencyRequest,
        responses={200: shapes.FrequencyResponse},
        examples=[
            OpenApiExample(
                "A reduction with the hurdle met",
                value={
                    "cohort_size": 1000,
                    "reoffenders": 300,
                    "reoffences": 750,
                    "baseline_rate": "0.35",
                    "baseline_frequency": "3.0",
                    "price_per_reoffence": "500.00",
                },
                request_only=True,
            )
        ],
    )
    def post(self, request):
        given = shapes.FrequencyRequest(data=request.data)
        given.is_valid(raise_exception=True)
        data = given.validated_data
        result = _computed(
            rules.pbr_frequency,
            data,
            "cohort_size",
            "reoffenders",
            "reoffences",
            "baseline_rate",
            "baseline_frequency",
            "price_per_reoffence",
        )
        return Response(shapes.FrequencyResponse(result).data)  # the rules' result as it is


# --- Contracts -----------------------------------------------------------------------------


def _contracts():
    return Contract.objects.select_related("crc", "updated_by").prefetch_related(
        Prefetch("service_levels", queryset=ServiceLevel.objects.order_by("code")),
        Prefetch("rate_card", queryset=RateCardItem.objects.order_by("service")),
    )


class ByContract(Pagination):
    ordering = ("start_date", "id")


def _may_manage(request):
    if not access.may_manage_contracts(request.user):
        raise exceptions.PermissionDenied("Only NOMS contract managers change contracts.")


def _save_lists(actor, contract, levels, card) -> None:
    """Replace the service levels and rate card given (``contracts.services``); a refusal is
    a 400 on ``rate_card``."""
    if levels is not None:
        services.save_service_levels(contract, levels, actor)
    if card is not None:
        try:
            services.save_rate_card(contract, card, actor)
        except DjangoValidationError as error:
            raise exceptions.ValidationError({"rate_card": error.messages}) from None


class ContractListView(generics.GenericAPIView):
    """Contracts the caller may see; NOMS contract managers enter new ones."""

    pagination_class = ByContract
    serializer_class = shapes.ContractSerializer
    queryset = Contract.objects.none()  # schema only: rows come from probation.access

    @extend_schema(
        operation_id="list_contracts",
        summary="Contracts the caller may see, by CPA and year",
        parameters=[
            OpenApiParameter("crc", OpenApiTypes.STR, description="CRC code, e.g. CRC11"),
            OpenApiParameter("year", OpenApiTypes.INT, description="Contract year"),
            CURSOR,
            PAGE_SIZE,
        ],
        responses={200: shapes.ContractSerializer(many=True)},
    )
    def get(self, request):
        query = shapes.ContractQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        contracts = _contracts() & access.contracts_visible_to(request.user)
        if query.validated_data.get("crc"):
            contracts = contracts.filter(crc__code=query.validated_data["crc"].upper())
        if query.validated_data.get("year"):
            contracts = contracts.filter(year=query.validated_data["year"])
        page = self.paginate_queryset(contracts)
        return self.get_paginated_response(shapes.ContractSerializer(page, many=True).data)

    @extend_schema(
        operation_id="create_contract",
        summary="Enter a CRC's contract for a contract year (NOMS contract managers)",
        description=(
            "The dates default to the contract year's (year 1 starts on 1 February 2015). "
            "Service levels and the rate card may be given with it. Anybody but a NOMS "
            "contract manager gets 403."
        ),
        request=shapes.ContractSerializer,
        responses={201: shapes.ContractSerializer},
    )
    def post(self, request):
        _may_manage(request)
        given = shapes.ContractSerializer(data=request.data)
        given.is_valid(raise_exception=True)
        data = dict(given.validated_data)
        levels = data.pop("service_levels", [])
        card = data.pop("rate_card", [])
        try:
            with transaction.atomic():
                contract = Contract.objects.create(**data, updated_by=request.user)
                audit.record_create(actor=request.user, instance=contract)
                _save_lists(request.user, contract, levels, card)
        except IntegrityError as error:
            raise exceptions.ValidationError(
                {"year": [f"{data['crc'].code} already has a contract for this year."]}
            ) from error
        contract = _contracts().get(pk=contract.pk)
        return Response(shapes.ContractSerializer(contract).data, status=status.HTTP_201_CREATED)


IMMUTABLE = ("crc", "year", "start_date", "end_date")


class ContractDetailView(APIView):
    @extend_schema(
        operation_id="retrieve_contract",
        summary="A contract with its service levels and rate card",
        parameters=[CONTRACT_ID],
        responses={200: shapes.ContractSerializer},
    )
    def get(self, request, contract_id):
        contract = access.contract_for_view(request.user, contract_id, queryset=_contracts())
        return Response(shapes.ContractSerializer(contract).data)

    @extend_schema(
        operation_id="partial_update_contract",
        summary="Change a contract's figures (NOMS contract managers)",
        description=(
            "Only the fields given change. The CRC, year and dates identify the contract "
            "and cannot change. `service_levels` and `rate_card`, when given, replace the "
            "lists: items are matched by code (service), updated, added or removed (a rate "
            "card service already ordered cannot be removed)."
        ),
        parameters=[CONTRACT_ID],
        request=shapes.ContractSerializer,
        responses={200: shapes.ContractSerializer},
    )
    def patch(self, request, contract_id):
        access.contract_for_view(request.user, contract_id)
        _may_manage(request)
        with transaction.atomic():
            contract = Contract.objects.select_for_update().get(pk=contract_id)
            given = shapes.ContractSerializer(contract, data=request.data, partial=True)
            given.is_valid(raise_exception=True)
            data = dict(given.validated_data)
            changed = {
                name: ["The contract's CRC, year and dates cannot change."]
                for name in IMMUTABLE
                if name in request.data and data.get(name) != getattr(contract, name)
            }
            if changed:
                raise exceptions.ValidationError(changed)
            levels = data.pop("service_levels", None)
            card = data.pop("rate_card", None)
            before = audit.snapshot(contract)
            for name, value in data.items():
                if name not in IMMUTABLE:
                    setattr(contract, name, value)
            contract.updated_by = request.user
            contract.save()
            audit.record_update(actor=request.user, instance=contract, before=before)
            _save_lists(request.user, contract, levels, card)
        return Response(shapes.ContractSerializer(_contracts().get(pk=contract_id)).data)


# --- The ledger ----------------------------------------------------------------------------


class ByMonth(Pagination):
    ordering = ("month", "id")


def _entries():
    return LedgerEntry.objects.select_related(
        "payer_organisation", "run_part", "reversed_by", "created_by"
    )


class LedgerListView(generics.GenericAPIView):
    """A contract's ledger lines, by month paid."""

    pagination_class = ByMonth
    serializer_class = shapes.LedgerEntrySerializer
    queryset = LedgerEntry.objects.none()

    @extend_schema(
        operation_id="list_contract_ledger",
        summary="A contract's ledger lines, by month paid",
        parameters=[
            CONTRACT_ID,
            OpenApiParameter("month", OpenApiTypes.STR, description="Month paid, YYYY-MM"),
            OpenApiParameter(
                "kind",
                OpenApiTypes.STR,
                enum=[value for value, _ in shapes.EntryKind.choices],
                description="Kind of line",
            ),
            CURSOR,
            PAGE_SIZE,
        ],
        responses={200: shapes.LedgerEntrySerializer(many=True)},
    )
    def get(self, request, contract_id):
        contract = access.contract_for_view(request.user, contract_id)
        query = shapes.LedgerQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        entries = _entries().filter(contract=contract)
        if query.validated_data.get("month"):
            entries = entries.filter(month=query.validated_data["month"])
        if query.validated_data.get("kind"):
            entries = entries.filter(kind=query.validated_data["kind"])
        page = self.paginate_queryset(entries)
        return self.get_paginated_response(shapes.LedgerEntrySerializer(page, many=True).data)


def _listed(queryset, limit, shape):
    """``{"count", "truncated", "items"}``: the first ``limit`` rows, two queries."""
    count = queryset.count()
    rows = list(queryset[:limit]) if count else []
    return {"count": count, "truncated": count > limit, "items": [shape(row) for row in rows]}


def _reference(sentence):
    return f"{sentence.person.crn}/{sentence.number}" if sentence is not None else None


class LedgerEntryDetailView(APIView):
    @extend_schema(
        operation_id="retrieve_contract_ledger_line",
        summary="One ledger line with what it counted (CRNs and references, no names)",
        description=(
            "The starts of a year-end reconciliation, the members of a PbR cohort with their "
            "counted reoffences, the cases behind a missed service level, the deliveries "
            "invoiced and the Senior Attendance Centre orders charged. Each list gives its "
            "full count and its first `limit` items."
        ),
        parameters=[
            CONTRACT_ID,
            ENTRY_ID,
            OpenApiParameter("limit", OpenApiTypes.INT, description="Items per list, 1 to 1000"),
        ],
        responses={200: shapes.LedgerEntryDetailSerializer},
    )
    def get(self, request, contract_id, entry_id):
        contract = access.contract_for_view(request.user, contract_id)
        query = shapes.LedgerDetailQuery(data=request.query_params)
        query.is_valid(raise_exception=True)
        limit = query.validated_data["limit"]
        entry = (
            _entries()
            .select_related("service_level_result", "reverses__service_level_result")
            .filter(contract=contract, pk=entry_id)
            .first()
        )
        if entry is None:
            raise Http404("No ledger line found.")
        source = entry.reverses or entry  # a reversal counted what its original counted
        starts = _listed(
            WavStart.objects.filter(entry=source)
            .select_related("person", "sentence__person")
            .order_by("start_date", "pk"),
            limit,
            lambda s: {
                "crn": s.person.crn,
                "sentence": _reference(s.sentence),
                "start_type": s.start_type,
                "start_date": s.start_date,
                "upw_hours": s.upw_hours,
            },
        )
        members = _listed(
            CohortMember.objects.filter(entry=source)
            .select_related("person", "sentence__person")
            .order_by("entered_on", "pk"),
            limit,
            lambda m: {
                "crn": m.person.crn,
                "sentence": _reference(m.sentence),
                "entry_type": m.entry_type,
                "entered_on": m.entered_on,
                "offences_before": m.offences_before,
                "proven_before": m.proven_before,
                "reoffences": m.reoffences,
            },
        )
        result = source.service_level_result
        service_level = None
        if result is not None:
            service_level = {
                "code": result.code,
                "numerator": result.numerator,
                "denominator": result.denominator,
                "target": result.target,
                "met": result.met,
                **_listed(
                    ServiceLevelCase.objects.filter(result=result)
                    .select_related("person")
                    .order_by("met", "pk"),
                    limit,
                    lambda c: {
                        "crn": c.person.crn,
                        "reference": c.reference,
                        "met": c.met,
                        "detail": c.detail,
                    },
                ),
            }
        deliveries = _listed(
            InvoicedDelivery.objects.filter(entry=source)
            .select_related("delivery__order__item", "delivery__order__person")
            .order_by("delivery__delivered_on", "pk"),
            limit,
            lambda d: {
                "delivery": d.delivery_id,
                "delivered_on": d.delivery.delivered_on,
                "order_reference": d.delivery.order.reference,
                "service": d.delivery.order.item.service,
                "crn": d.delivery.order.person.crn if d.delivery.order.person_id else None,
                "quantity": d.quantity,
                "price": d.price,
                "amount": d.amount,
            },
        )
        charged = _listed(
            ChargedOrder.objects.filter(entry=source)
            .select_related("person", "sentence__person")
            .order_by("pk"),
            limit,
            lambda c: {
                "crn": c.person.crn,
                "sentence": _reference(c.sentence),
                "hours": c.hours,
                "price": c.price,
                "amount": c.amount,
            },
        )
        return Response(
            shapes.LedgerEntryDetailSerializer(
                {
                    "entry": entry,
                    "wav_starts": starts,
                    "members": members,
                    "service_level": service_level,
                    "deliveries": deliveries,
                    "charged_orders": charged,
                }
            ).data
        )


# --- Payment runs --------------------------------------------------------------------------


class ByRequested(Pagination):
    ordering = ("-requested_at", "-id")


def _runs(user):
    runs = PaymentRun.objects.select_related("requested_by").prefetch_related(
        Prefetch(
            "parts",
            queryset=PaymentRunPart.objects.select_related("organisation").order_by(
                "organisation__cpa_number", "organisation__code"
            ),
        )
    )
    return runs if access.may_manage_contracts(user) else runs.none()


class RunListView(generics.GenericAPIView):
    """Monthly payment runs, newest first, with their progress per CPA (NOMS only)."""

    pagination_class = ByRequested
    serializer_class = shapes.RunSerializer
    queryset = PaymentRun.objects.none()

    @extend_schema(
        operation_id="list_payment_runs",
        summary="Payment runs, newest first, with progress per CPA (NOMS contract managers)",
        description="Anybody but a NOMS contract manager gets an empty list.",
        parameters=[CURSOR, PAGE_SIZE],
        responses={200: shapes.RunSerializer(many=True)},
    )
    def get(self, request):
        page = self.paginate_queryset(_runs(request.user))
        return self.get_paginated_response(shapes.RunSerializer(page, many=True).data)

    @extend_schema(
        operation_id="create_payment_run",
        summary="Start the payment run of a month that has ended (NOMS contract managers)",
        description=(
            "Records the run with a part per CRC and NPS division and starts the parts on "
            "the workers. Running a month again writes nothing twice. A month not yet over "
            "is a 400 on `month` (payment is in arrears); anybody but a NOMS contract "
            "manager gets 403."
        ),
        request=shapes.RunRequest,
        responses={201: shapes.RunSerializer},
        examples=[OpenApiExample("March 2016", value={"month": "2016-03"}, request_only=True)],
    )
    def post(self, request):
        if not access.may_manage_contracts(request.user):
            raise exceptions.PermissionDenied("Only NOMS contract managers start payment runs.")
        given = shapes.RunRequest(data=request.data)
        given.is_valid(raise_exception=True)
        try:
            run = payments.start_run(
                given.validated_data["month"], trigger=RunTrigger.BUTTON, user=request.user
            )
        except payments.MonthNotOver as error:
            raise exceptions.ValidationError({"month": [str(error)]}) from error
        audit.record_create(actor=request.user, instance=run)
        run = _runs(request.user).get(pk=run.pk)
        return Response(shapes.RunSerializer(run).data, status=status.HTTP_201_CREATED)


class RunDetailView(APIView):
    @extend_schema(
        operation_id="retrieve_payment_run",
        summary="A payment run with its parts: status, attempts, lines written, errors",
        parameters=[RUN_ID],
        responses={200: shapes.RunSerializer},
    )
    def get(self, request, run_id):
        run = _runs(request.user).filter(pk=run_id).first()
        if run is None:
            raise Http404("No payment run found.")
        return Response(shapes.RunSerializer(run).data)


urlpatterns = [
    path("calculations/wav", WavCalculationView.as_view(), name="wav-calculation"),
    path(
        "calculations/ffs-reconciliation",
        ReconciliationCalculationView.as_view(),
        name="ffs-reconciliation-calculation",
    ),
    path("calculations/pbr-binary", BinaryCalculationView.as_view(), name="pbr-binary-calculation"),
    path(
        "calculations/pbr-frequency",
        FrequencyCalculationView.as_view(),
        name="pbr-frequency-calculation",
    ),
    path("contracts/", ContractListView.as_view(), name="contracts"),
    path("contracts/<int:contract_id>/", ContractDetailView.as_view(), name="contract"),
    path("contracts/<int:contract_id>/ledger/", LedgerListView.as_view(), name="contract-ledger"),
    path(
        "contracts/<int:contract_id>/ledger/<int:entry_id>/",
        LedgerEntryDetailView.as_view(),
        name="contract-ledger-line",
    ),
    path("payment-runs/", RunListView.as_view(), name="payment-runs"),
    path("payment-runs/<int:run_id>/", RunDetailView.as_view(), name="payment-run"),
]
