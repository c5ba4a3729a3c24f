"""The contract pages (issue 8 parts 1 and 8): the list every reader of contracts sees (their
scope, grouped by CRC, paid to date from the standing ledger in constant queries), adding
and changing a contract year with its bands, service levels and rate card (NOMS only, GOV.UK
error summaries, nothing saved on error, audited, versioned) and the contract's page."""

import datetime
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts.models import Contract, RateCardItem, RateCardOrder, ServiceLevel
from probation.models import AuditEvent
from tests.contracts.factories import contract_of, rate_card_item_of, service_level_of
from tests.probation.factories import org, staff

pytestmark = pytest.mark.django_db

LIST = reverse("contracts:contracts")
NEW = reverse("contracts:contract-create")


def _noms():
    return staff("NOMS_CONTRACT_MANAGER", "NOMS")


def _finance(crc="CRC11"):
    return staff("CRC_FINANCE_OFFICER", crc)


def _rows(prefix, rows, extra=1):
    """A row set's POST data: its management form and ``rows`` then ``extra`` empty rows."""
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + extra),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "200",
    }
    for index, row in enumerate(rows):
        data |= {f"{prefix}-{index}-{name}": value for name, value in row.items()}
    return data


BANDS = [
    {"max_hours": "100", "weight": "0.4"},
    {"max_hours": "200", "weight": "0.8"},
    {"max_hours": "", "weight": "1.2"},
]
LEVELS = [{"code": "FIRST_APPOINTMENT", "target": "0.9", "credit_share": "0.02"}]
ITEMS = [
    {"service": "programme", "name": "Programme place", "unit": "session", "price": "150.00"},
    {
        "service": "sac",
        "name": "Senior Attendance Centre",
        "unit": "hour",
        "price": "12.50",
        "attendance_centre": "on",
    },
]


def _form(bands=BANDS, levels=LEVELS, items=ITEMS, **fields):
    data = {
        "crc": "CRC11",
        "year": "2",
        "maximum_annual_payment": "12000000",
        "ffs_bid": "10000000.00",
        "predicted_wav": "5000",
        "tolerance": "0.05",
        "weight_COMMUNITY_ORDER": "1.0",
        "weight_SUSPENDED_SENTENCE_ORDER": "1.2",
        "weight_LICENCE": "1.5",
        "weight_PSS": "0.5",
        "weight_RESETTLEMENT_PLAN": "0.3",
        "binary_baseline_q1": "0.35",
        "binary_baseline_q2": "0.36",
        "binary_baseline_q3": "0.37",
        "binary_baseline_q4": "0.38",
        "annual_binary_baseline": "0.35",
        "frequency_baseline": "3.0",
        "price_per_reoffender": "1000",
        "price_per_reoffence": "500",
        "significance_level": "0.05",
        "monthly_credit_cap": "0.1",
    }
    data |= _rows("bands", bands) | _rows("levels", levels) | _rows("items", items)
    return {k: v for k, v in (data | fields).items() if v is not None}


def _error_summary(page: str) -> str:
    match = re.search(r'data-testid="error-summary".*?</ul>', page, re.S)
    return match.group(0) if match else ""


# --- The list -------------------------------------------------------------------------------


def test_noms_see_every_crcs_contracts_grouped_with_the_add_button(client):
    contract_of("CRC11", year=1)
    contract_of("CRC11", year=2)
    contract_of("CRC20", year=1)
    client.force_login(_noms())
    page = client.get(LIST).content.decode()
    assert re.findall(r'data-testid="crc-contracts" data-crc="(\w+)"', page) == ["CRC11", "CRC20"]
    assert len(re.findall('data-testid="contract-row"', page)) == 3
    assert "Add a contract" in page and NEW in page


def test_a_crc_finance_officer_sees_only_their_own_crcs_contracts(client):
    own = contract_of("CRC11", year=1)
    theirs = contract_of("CRC20", year=1)
    client.force_login(_finance())
    page = client.get(LIST).content.decode()
    assert f'data-contract="{own.pk}"' in page
    assert f'data-contract="{theirs.pk}"' not in page and "CRC20" not in page
    assert "Add a contract" not in page


def test_paid_to_date_is_the_sum_of_the_standing_lines(client, line):
    from contracts import ledger

    contract = contract_of("CRC11", year=1)
    line(contract, "2015-02", "FFS_INSTALMENT", "FFS:2015-02", "833333.33")
    wrong = line(contract, "2015-03", "FFS_INSTALMENT", "FFS:2015-03", "999.99")
    ledger.reverse(wrong, reason="Wrong figures", user=_noms())
    line(contract, "2015-03", "FFS_INSTALMENT", "FFS:2015-03", "833333.33")
    line(contract, "2015-03", "SERVICE_CREDIT", "CREDIT:X:2015-03", "-16666.67")
    client.force_login(_finance())
    page = client.get(LIST).content.decode()
    paid = re.search(r'data-testid="paid">£([\d,.-]+)<', page).group(1)
    assert paid == "1,649,999.99"


def test_the_list_costs_the_same_queries_for_one_contract_or_ten(client, line):
    client.force_login(_noms())

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(LIST).status_code == 200
        return len(captured)

    first = contract_of("CRC11", year=1)
    line(first, "2015-02", "FFS_INSTALMENT", "FFS:2015-02", "1.00")
    few = queries()
    for crc in ("CRC12", "CRC13", "CRC14", "CRC15"):
        for year in (1, 2):
            contract = contract_of(crc, year=year)
            line(contract, "2015-02", "FFS_INSTALMENT", "FFS:2015-02", "1.00")
    assert queries() == few


# --- Adding a contract ----------------------------------------------------------------------


def test_noms_add_a_contract_with_its_bands_service_levels_and_rate_card(client):
    noms = _noms()
    client.force_login(noms)
    assert "Add a contract" in client.get(NEW).content.decode()
    response = client.post(NEW, _form())
    contract = Contract.objects.get(crc__code="CRC11", year=2)
    assert response.status_code == 302
    assert response.url == reverse("contracts:contract", args=[contract.pk])
    # The year's usual dates when none are given.
    assert (contract.start_date, contract.end_date) == (
        datetime.date(2016, 2, 1),
        datetime.date(2017, 1, 31),
    )
    assert contract.ffs_bid == Decimal("10000000.00")
    assert contract.binary_baseline_q4 == Decimal("0.38")
    assert contract.wav_weights["SUSPENDED_SENTENCE_ORDER"] == "1.2"
    assert contract.wav_weights["COMMUNITY_ORDER"] == "1"
    assert contract.upw_bands == [
        {"max_hours": 100, "weight": "0.4"},
        {"max_hours": 200, "weight": "0.8"},
        {"max_hours": None, "weight": "1.2"},
    ]
    assert contract.updated_by == noms
    level = contract.service_levels.get()
    assert (level.code, level.target, level.credit_share) == (
        "FIRST_APPOINTMENT",
        Decimal("0.9"),
        Decimal("0.02"),
    )
    items = {i.service: i for i in contract.rate_card.all()}
    assert set(items) == {"programme", "sac"}
    assert items["sac"].attendance_centre and not items["programme"].attendance_centre
    created = AuditEvent.objects.filter(action="CREATE", actor=noms)
    assert set(created.values_list("object_type", flat=True)) == {
        "contracts.contract",
        "contracts.servicelevel",
        "contracts.ratecarditem",
    }
    assert contract.history.get().history_user == noms


def test_dates_given_must_make_a_contract_year(client):
    client.force_login(_noms())
    data = _form(
        start_date_day="1",
        start_date_month="3",
        start_date_year="2016",
        end_date_day="28",
        end_date_month="2",
        end_date_year="2017",
    )
    assert client.post(NEW, data).status_code == 302
    contract = Contract.objects.get(crc__code="CRC11", year=2)
    assert contract.start_date == datetime.date(2016, 3, 1)
    wrong = _form(
        year="3",
        start_date_day="1",
        start_date_month="3",
        start_date_year="2017",
        end_date_day="1",
        end_date_month="3",
        end_date_year="2018",
    )
    page = client.post(NEW, wrong).content.decode()
    assert "ends 28 February 2018" in _error_summary(page)
    assert not Contract.objects.filter(year=3).exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ffs_bid": "12000000.01"}, "The FFS bid must not be more than the MAP"),
        ({"maximum_annual_payment": ""}, "Enter the Maximum Annual Payment (MAP)"),
        ({"tolerance": "1.01"}, "Tolerance must be 1 or less"),
        ({"binary_baseline_q2": "-0.1"}, "Binary baseline, quarter 2 cohort must be 0 or more"),
        ({"predicted_wav": "0"}, "must be 0.01 or more"),
        ({"significance_level": "0.6"}, "Significance level must be 0.5 or less"),
        ({"weight_PSS": "abc"}, "WAV weight: Release onto post-sentence supervision only must"),
        ({"crc": ""}, "Select the CRC"),
        ({"year": "0"}, "Contract year must be 1 or more"),
        ({"start_date_day": "1", "start_date_month": "2", "start_date_year": "2016"}, "both"),
    ],
    ids=[
        "ffs-a-penny-over-map",
        "map-missing",
        "tolerance-over-1",
        "baseline-negative",
        "wav-zero",
        "significance-over-half",
        "weight-not-a-number",
        "no-crc",
        "year-0",
        "one-date-only",
    ],
)
def test_figure_errors_are_in_the_summary_and_nothing_is_saved(client, fields, message):
    client.force_login(_noms())
    response = client.post(NEW, _form(**fields))
    assert response.status_code == 200
    assert message in _error_summary(response.content.decode())
    assert not Contract.objects.exists()
    assert not ServiceLevel.objects.exists() and not RateCardItem.objects.exists()


def test_ffs_equal_to_map_is_allowed(client):
    client.force_login(_noms())
    assert client.post(NEW, _form(ffs_bid="12000000")).status_code == 302
    assert Contract.objects.get().pbr_pot == Decimal("0")


@pytest.mark.parametrize(
    ("bands", "message"),
    [
        ([{"max_hours": "100", "weight": "0.4"}], "its max_hours must be null"),
        (
            [
                {"max_hours": "200", "weight": "0.4"},
                {"max_hours": "100", "weight": "0.8"},
                {"max_hours": "", "weight": "1"},
            ],
            "must be more than the previous band",
        ),
        ([{"max_hours": "", "weight": "0.4"}, {"max_hours": "", "weight": "1"}], "only the last"),
        ([], "Give at least one unpaid work band"),
        ([{"max_hours": "100", "weight": ""}, {"max_hours": "", "weight": "1"}], "Enter the band"),
        ([{"max_hours": "0", "weight": "1"}, {"max_hours": "", "weight": "1"}], "1 or more"),
    ],
    ids=["last-band-closed", "not-ascending", "two-open", "none", "no-weight", "zero-hours"],
)
def test_band_errors(client, bands, message):
    client.force_login(_noms())
    page = client.post(NEW, _form(bands=bands)).content.decode()
    assert message in _error_summary(page)
    assert 'href="#bands"' in page or 'href="#id_bands-' in page
    assert not Contract.objects.exists()


@pytest.mark.parametrize(
    ("levels", "items", "message"),
    [
        (LEVELS * 2, ITEMS, "A measure is given twice: FIRST_APPOINTMENT"),
        (
            [{"code": "FIRST_APPOINTMENT", "target": "", "credit_share": "0.1"}],
            ITEMS,
            "Enter the service level 1: target",
        ),
        (
            [{"code": "FIRST_APPOINTMENT", "target": "2", "credit_share": "0.1"}],
            ITEMS,
            "must be 1 or less",
        ),
        (
            [{"code": "NO_SUCH_MEASURE", "target": "0.5", "credit_share": "0.1"}],
            ITEMS,
            "Select a measure for service level 1",
        ),
        (LEVELS, ITEMS + [ITEMS[0]], "A service code is given twice: programme"),
        (
            LEVELS,
            [ITEMS[1], {**ITEMS[1], "service": "sac2"}],
            "Only one item may price Senior Attendance Centre hours",
        ),
        (LEVELS, [{**ITEMS[0], "service": "has space"}], "letters, numbers, - and _ only"),
        (LEVELS, [{**ITEMS[0], "price": "-1"}], "must be 0 or more"),
    ],
    ids=[
        "measure-twice",
        "level-no-target",
        "target-over-1",
        "unknown-measure",
        "service-twice",
        "two-attendance-centre-prices",
        "service-not-a-slug",
        "negative-price",
    ],
)
def test_service_level_and_rate_card_errors(client, levels, items, message):
    client.force_login(_noms())
    page = client.post(NEW, _form(levels=levels, items=items)).content.decode()
    assert message in _error_summary(page)
    assert not Contract.objects.exists()


def test_a_second_contract_for_a_crc_and_year_is_a_form_error(client):
    contract_of("CRC11", year=2)
    client.force_login(_noms())
    response = client.post(NEW, _form())
    assert response.status_code == 200
    assert "already has a contract for year 2" in _error_summary(response.content.decode())
    assert Contract.objects.count() == 1
    assert not ServiceLevel.objects.exists()


# --- Changing a contract --------------------------------------------------------------------


def _change_form(contract, **overrides):
    """The change page's form as it is shown, then ``overrides``."""
    data = {}
    page = overrides.pop("_page")
    for tag in re.findall(r"<input[^>]*>", page):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if 'type="checkbox"' in tag:
            if " checked" in tag:
                data[name.group(1)] = "on"
        elif name and value:
            data[name.group(1)] = value.group(1)
    for name, options in re.findall(r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', page, re.S):
        chosen = re.search(r'<option value="([^"]*)" selected>', options)
        data[name] = chosen.group(1) if chosen else ""
    data.pop("csrfmiddlewaretoken", None)
    return {k: v for k, v in (data | overrides).items() if v is not None}


def test_noms_change_figures_service_levels_and_rate_card_audited(client):
    contract = contract_of("CRC11", year=1)
    service_level_of(contract, "FIRST_APPOINTMENT")
    service_level_of(contract, "PLAN_WITHIN_5_DAYS")
    rate_card_item_of(contract, "programme")
    noms = _noms()
    client.force_login(noms)
    url = reverse("contracts:contract-change", args=[contract.pk])
    page = client.get(url).content.decode()
    assert 'value="10000000.00"' in page
    assert '<option value="PLAN_WITHIN_5_DAYS" selected>' in page
    data = _change_form(
        contract,
        _page=page,
        ffs_bid="9000000",
        **{
            "levels-1-code": "",
            "levels-1-target": "",
            "levels-1-credit_share": "",
            "items-0-price": "175.00",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 302, _error_summary(response.content.decode())
    contract.refresh_from_db()
    assert contract.ffs_bid == Decimal("9000000.00") and contract.updated_by == noms
    assert list(contract.service_levels.values_list("code", flat=True)) == ["FIRST_APPOINTMENT"]
    assert contract.rate_card.get().price == Decimal("175.00")
    update = AuditEvent.objects.get(action="UPDATE", object_type="contracts.contract")
    assert update.changes["ffs_bid"] == ["10000000.00", "9000000.00"]
    assert set(update.changes) == {"ffs_bid", "updated_by_id"}
    assert AuditEvent.objects.filter(action="DELETE", object_type="contracts.servicelevel").count()
    assert AuditEvent.objects.filter(action="UPDATE", object_type="contracts.ratecarditem").count()
    # The history on the contract's page says who changed what.
    detail = client.get(reverse("contracts:contract", args=[contract.pk])).content.decode()
    assert "ffs_bid: 10000000.00 → 9000000.00" in detail
    assert "Removed: Service level PLAN_WITHIN_5_DAYS" in detail
    assert noms.get_full_name() in detail


def test_saving_an_unchanged_contract_audits_nothing(client):
    contract = contract_of("CRC11", year=1)
    service_level_of(contract, "FIRST_APPOINTMENT")
    rate_card_item_of(contract, "programme")
    client.force_login(_noms())
    url = reverse("contracts:contract-change", args=[contract.pk])
    data = _change_form(contract, _page=client.get(url).content.decode())
    assert client.post(url, data).status_code == 302
    assert not AuditEvent.objects.filter(action__in=("UPDATE", "CREATE", "DELETE")).exists()
    assert contract.history.count() == 1


def test_a_rate_card_item_with_orders_cannot_be_removed(client):
    contract = contract_of("CRC11", year=1)
    item = rate_card_item_of(contract, "programme")
    RateCardOrder.objects.create(
        item=item,
        purchaser_kind="NPS",
        purchaser=org("NPS"),
        reference="PO-1",
        ordered_on=datetime.date(2015, 3, 1),
        quantity=Decimal("2"),
        ordered_by=_noms(),
    )
    client.force_login(_noms())
    url = reverse("contracts:contract-change", args=[contract.pk])
    data = _change_form(
        contract,
        _page=client.get(url).content.decode(),
        ffs_bid="9000000",
        **{f"items-0-{n}": "" for n in ("service", "name", "unit", "price")},
    )
    page = client.post(url, data).content.decode()
    assert "A rate card item with orders cannot be removed: programme" in _error_summary(page)
    contract.refresh_from_db()
    assert contract.ffs_bid == Decimal("10000000.00")  # nothing saved
    assert contract.rate_card.count() == 1


def test_crc_staff_cannot_add_or_change_and_another_crcs_contract_is_404(client):
    own = contract_of("CRC11", year=1)
    theirs = contract_of("CRC20", year=1)
    for user in (_finance(), staff("CRC_MANAGER", "CRC11")):
        client.force_login(user)
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, _form()).status_code == 403
        own_url = reverse("contracts:contract-change", args=[own.pk])
        assert client.get(own_url).status_code == 403
        assert client.post(own_url, _form(ffs_bid="1")).status_code == 403
        theirs_url = reverse("contracts:contract-change", args=[theirs.pk])
        assert client.get(theirs_url).status_code == 404
        assert client.get(reverse("contracts:contract", args=[theirs.pk])).status_code == 404
        page = client.get(reverse("contracts:contract", args=[own.pk])).content.decode()
        assert "Change the contract" not in page
    own.refresh_from_db()
    assert own.ffs_bid == Decimal("10000000.00") and Contract.objects.count() == 2


# --- The contract's page --------------------------------------------------------------------


def test_the_contract_page_shows_figures_levels_rate_card_and_ledger_by_month(client, line):
    contract = contract_of("CRC11", year=1)
    service_level_of(contract, "FIRST_APPOINTMENT", target="0.85")
    rate_card_item_of(contract, "programme", price="150.00")
    line(contract, "2015-02", "FFS_INSTALMENT", "FFS:2015-02", "833333.33")
    line(contract, "2015-02", "SERVICE_CREDIT", "CREDIT:FIRST_APPOINTMENT:2015-02", "-1000.00")
    line(contract, "2015-03", "FFS_INSTALMENT", "FFS:2015-03", "833333.33")
    line(contract, "2015-03", "FEE_FOR_USE", "FFU:2015-03:NPS", "300.00", payer="NPS")
    for user in (_noms(), _finance()):
        client.force_login(user)
        page = client.get(reverse("contracts:contract", args=[contract.pk])).content.decode()
        assert "£12,000,000.00" in page and "£2,000,000.00" in page  # MAP and the PbR pot
        assert "Monthly instalments of £833,333.33, the twelfth £833,333.37" in page
        assert "FIRST_APPOINTMENT" in page and "0.85" in page and "£150.00" in page
        rows = re.findall(r'data-testid="ledger-month-row">(.*?)</tr>', page, re.S)
        assert len(rows) == 2
        assert "£832,333.33" in rows[0] and "£-1,000.00" in rows[0]
        assert "£833,633.33" in rows[1] and "£300.00" in rows[1]
        assert reverse("contracts:ledger-month", args=[contract.pk, "2015-03"]) in page
