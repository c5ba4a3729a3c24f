"""The calculation endpoints (``/api/v1/calculations/wav``, ``ffs-reconciliation``,
``pbr-binary``, ``pbr-frequency``): for any signed-in user or API client, exactly the
figures ``contracts.rules`` gives for the same facts; impossible facts a 400 naming the
field; no input a 500."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from contracts import rules
from tests.contracts.factories import BANDS, WEIGHTS
from tests.probation.factories import api_client, staff

pytestmark = pytest.mark.django_db

D = Decimal
BASE = "/api/v1/calculations/"


@pytest.fixture
def client():
    client = APIClient()
    client.force_login(staff("NPS_COURT_OFFICER", "NPS-WAL"))
    return client


def exact(value) -> str:
    text = format(D(value).normalize(), "f")
    return "0" if text == "-0" else text


def attrs(response) -> set[str]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    return {error["attr"] for error in body["errors"]}


# --- WAV -----------------------------------------------------------------------------------


STARTS = [
    {"type": "COMMUNITY_ORDER", "upw_hours": 100},
    {"type": "COMMUNITY_ORDER", "upw_hours": 101},
    {"type": "COMMUNITY_ORDER"},
    {"type": "SUSPENDED_SENTENCE_ORDER", "upw_hours": 300},
    {"type": "LICENCE"},
    {"type": "PSS", "upw_hours": None},
    {"type": "RESETTLEMENT_PLAN", "upw_hours": 0},
]


def wav_body(**changes):
    return {"weights": WEIGHTS, "upw_bands": BANDS, "starts": STARTS, **changes}


def test_wav_gives_the_rules_figures(client):
    response = client.post(BASE + "wav", wav_body(), format="json")
    assert response.status_code == 200, response.content
    expected = rules.wav(WEIGHTS, BANDS, [(s["type"], s.get("upw_hours"), 1) for s in STARTS])
    assert response.json() == {
        "wav": exact(expected.wav),
        "by_type": {kind: exact(total) for kind, total in expected.by_type.items()},
    }
    # 1.4 + 1.8 + 1.0 + 2.4 + 1.5 + 0.5 + 0.3
    assert response.json()["wav"] == "8.9"
    assert response.json()["by_type"]["COMMUNITY_ORDER"] == "4.2"


def test_an_api_client_may_calculate_and_weights_may_be_numbers():
    _, key = api_client("CRC11")
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    weights = {kind: float(weight) for kind, weight in WEIGHTS.items()}
    bands = [{"max_hours": 100, "weight": 0.4}, {"max_hours": None, "weight": 0.8}]
    body = {"weights": weights, "upw_bands": bands, "starts": [{"type": "COMMUNITY_ORDER"}]}
    response = client.post(BASE + "wav", body, format="json")
    assert response.status_code == 200, response.content
    assert response.json() == {"wav": "1", "by_type": {"COMMUNITY_ORDER": "1"}}


def test_calculations_need_a_signed_in_caller():
    response = APIClient().post(BASE + "wav", wav_body(), format="json")
    assert response.status_code in (401, 403)


def test_no_starts_is_a_wav_of_nothing(client):
    response = client.post(BASE + "wav", wav_body(starts=[]), format="json")
    assert response.json() == {"wav": "0", "by_type": {}}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"weights": {**WEIGHTS, "DETENTION": "1"}}, "weights"),
        ({"weights": {k: v for k, v in WEIGHTS.items() if k != "PSS"}}, "weights"),
        ({"weights": {**WEIGHTS, "PSS": "-0.5"}}, "weights"),
        ({"weights": {**WEIGHTS, "PSS": "lots"}}, "weights"),
        ({"weights": {**WEIGHTS, "PSS": "0.0000001"}}, "weights"),  # seven places
        ({"weights": {**WEIGHTS, "PSS": "1000000"}}, "weights"),
        ({"weights": {**WEIGHTS, "PSS": True}}, "weights"),
        ({"weights": ["COMMUNITY_ORDER"]}, "weights"),
        ({"upw_bands": []}, "upw_bands"),
        ({"upw_bands": [{"max_hours": 100, "weight": "0.4"}]}, "upw_bands"),
        (
            {"upw_bands": [{"max_hours": None, "weight": "0.4"}, {"max_hours": None, "weight": 1}]},
            "upw_bands",
        ),
        (
            {
                "upw_bands": [
                    {"max_hours": 200, "weight": "0.4"},
                    {"max_hours": 200, "weight": "0.8"},
                    {"max_hours": None, "weight": "1.2"},
                ]
            },
            "upw_bands",
        ),
        (
            {"upw_bands": [{"max_hours": 0, "weight": "0.4"}, {"max_hours": None, "weight": 1}]},
            "upw_bands",
        ),
        ({"upw_bands": [{"max_hours": None, "weight": "-1"}]}, "upw_bands"),
        (
            {"upw_bands": [{"max_hours": "100", "weight": "1"}, {"max_hours": None, "weight": 1}]},
            "upw_bands",
        ),
        ({"upw_bands": [{"max_hours": None}]}, "upw_bands"),
        ({"starts": [{"type": "SAC_ORDER"}]}, "starts.0.type"),
        ({"starts": [{"type": "LICENCE", "upw_hours": 40}]}, "starts.0.upw_hours"),
        ({"starts": [{"type": "COMMUNITY_ORDER", "upw_hours": -1}]}, "starts.0.upw_hours"),
    ],
)
def test_impossible_wav_facts_are_a_400_naming_the_field(client, changes, field):
    assert field in attrs(client.post(BASE + "wav", wav_body(**changes), format="json"))


def test_a_band_error_names_the_band(client):
    bands = [{"max_hours": 100, "weight": "0.4"}, {"max_hours": 50, "weight": "0.8"}]
    response = client.post(BASE + "wav", wav_body(upw_bands=bands), format="json")
    assert attrs(response) == {"upw_bands"}
    assert "Band 2" in response.json()["errors"][0]["detail"]


# --- FFS reconciliation ----------------------------------------------------------------------


def reconciliation_body(**changes):
    body = {
        "annual_ffs": "1000000.00",
        "predicted_wav": "3000",
        "actual_wav": "3150.01",
        "tolerance": "0.05",
    }
    return {**body, **changes}


@pytest.mark.parametrize("actual", ["3150.01", "3150", "3149.99", "2850", "2849.99", "0"])
def test_reconciliation_gives_the_rules_figures(client, actual):
    body = reconciliation_body(actual_wav=actual)
    response = client.post(BASE + "ffs-reconciliation", body, format="json")
    assert response.status_code == 200, response.content
    expected = rules.reconcile(D("1000000.00"), D("3000"), D(actual), D("0.05"))
    assert response.json() == {
        "unit_price": exact(expected.unit_price),
        "lower_bound": exact(expected.lower_bound),
        "upper_bound": exact(expected.upper_bound),
        "adjustment": str(expected.adjustment),
        "monthly_payments": [str(m) for m in expected.monthly_payments],
    }


def test_reconciliation_figures_are_strings_to_the_penny_and_signed(client):
    above = client.post(BASE + "ffs-reconciliation", reconciliation_body(), format="json")
    assert above.json()["adjustment"] == "3.33"
    assert above.json()["unit_price"] == "333.3333333333333333333333333"
    assert above.json()["monthly_payments"] == ["83333.33"] * 11 + ["83333.37"]
    below = reconciliation_body(actual_wav="2849.99")
    assert (
        client.post(BASE + "ffs-reconciliation", below, format="json").json()["adjustment"]
        == "-3.33"
    )
    inside = reconciliation_body(actual_wav="3000")
    assert (
        client.post(BASE + "ffs-reconciliation", inside, format="json").json()["adjustment"]
        == "0.00"
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"annual_ffs": "-1.00"}, "annual_ffs"),
        ({"annual_ffs": "1.001"}, "annual_ffs"),
        ({"predicted_wav": "0"}, "predicted_wav"),
        ({"predicted_wav": "-5"}, "predicted_wav"),
        ({"actual_wav": "-0.01"}, "actual_wav"),
        ({"tolerance": "1.01"}, "tolerance"),
        ({"tolerance": "-0.01"}, "tolerance"),
        ({"tolerance": "NaN"}, "tolerance"),
        ({"annual_ffs": "Infinity"}, "annual_ffs"),
        ({"annual_ffs": None}, "annual_ffs"),
    ],
)
def test_impossible_reconciliation_facts_are_a_400_naming_the_field(client, changes, field):
    body = reconciliation_body(**changes)
    assert field in attrs(client.post(BASE + "ffs-reconciliation", body, format="json"))


# --- PbR binary ----------------------------------------------------------------------------


def binary_body(**changes):
    body = {
        "cohort_size": 20,
        "reoffenders": 5,
        "baseline_rate": "0.5",
        "price_per_reoffender": "1000.00",
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    ("k", "outcome"), [(5, "REDUCTION"), (6, "NOT_SIGNIFICANT"), (15, "INCREASE")]
)
def test_binary_gives_the_rules_figures(client, k, outcome):
    response = client.post(BASE + "pbr-binary", binary_body(reoffenders=k), format="json")
    assert response.status_code == 200, response.content
    expected = rules.pbr_binary(20, k, D("0.5"), D("1000.00"), D("0.05"))
    assert response.json() == {
        "rate": exact(expected.rate),
        "p_value_reduction": expected.p_value_reduction,
        "p_value_increase": expected.p_value_increase,
        "outcome": outcome,
        "amount": str(expected.amount),
    }
    assert isinstance(response.json()["p_value_reduction"], float)


def test_binary_takes_the_significance_level_given(client):
    body = binary_body(reoffenders=6, significance_level="0.06")
    assert client.post(BASE + "pbr-binary", body, format="json").json()["outcome"] == "REDUCTION"


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reoffenders": 21}, "reoffenders"),
        ({"reoffenders": -1}, "reoffenders"),
        ({"cohort_size": 0}, "cohort_size"),
        ({"baseline_rate": "1.5"}, "baseline_rate"),
        ({"baseline_rate": "-0.1"}, "baseline_rate"),
        ({"price_per_reoffender": "-1.00"}, "price_per_reoffender"),
        ({"significance_level": "0"}, "significance_level"),
        ({"significance_level": "1"}, "significance_level"),
        ({"significance_level": "1.5"}, "significance_level"),
    ],
)
def test_impossible_binary_facts_are_a_400_naming_the_field(client, changes, field):
    assert field in attrs(client.post(BASE + "pbr-binary", binary_body(**changes), format="json"))


# --- PbR frequency -------------------------------------------------------------------------


def frequency_body(**changes):
    body = {
        "cohort_size": 1000,
        "reoffenders": 300,
        "reoffences": 750,
        "baseline_rate": "0.35",
        "baseline_frequency": "3.0",
        "price_per_reoffence": "500.00",
    }
    return {**body, **changes}


@pytest.mark.parametrize(
    ("r", "f", "outcome"),
    [
        (300, 750, "REDUCTION"),
        (351, 702, "HURDLE_NOT_MET"),
        (400, 1400, "INCREASE"),
        (300, 900, "NO_CHANGE"),
        (0, 0, "REDUCTION"),
        (3, 10, "INCREASE"),  # f = 3.33…
    ],
)
def test_frequency_gives_the_rules_figures(client, r, f, outcome):
    response = client.post(
        BASE + "pbr-frequency", frequency_body(reoffenders=r, reoffences=f), format="json"
    )
    assert response.status_code == 200, response.content
    expected = rules.pbr_frequency(1000, r, f, D("0.35"), D("3.0"), D("500.00"))
    assert response.json() == {
        "rate": exact(expected.rate),
        "frequency": exact(expected.frequency),
        "hurdle_met": expected.hurdle_met,
        "outcome": outcome,
        "amount": str(expected.amount),
    }


def test_no_reoffender_answers_a_rate_and_frequency_of_nothing(client):
    body = frequency_body(reoffenders=0, reoffences=0)
    answer = client.post(BASE + "pbr-frequency", body, format="json").json()
    assert (answer["rate"], answer["frequency"], answer["amount"]) == ("0", "0", "0.00")


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"reoffenders": 1001, "reoffences": 2000}, "reoffenders"),
        ({"reoffenders": 300, "reoffences": 299}, "reoffences"),
        ({"reoffenders": 0, "reoffences": 1}, "reoffences"),
        ({"reoffences": -1}, "reoffences"),
        ({"cohort_size": 0}, "cohort_size"),
        ({"baseline_rate": "1.01"}, "baseline_rate"),
        ({"baseline_frequency": "-0.5"}, "baseline_frequency"),
        ({"price_per_reoffence": "-500.00"}, "price_per_reoffence"),
    ],
)
def test_impossible_frequency_facts_are_a_400_naming_the_field(client, changes, field):
    body = frequency_body(**changes)
    assert field in attrs(client.post(BASE + "pbr-frequency", body, format="json"))


# --- No input is a 500 -----------------------------------------------------------------------

anything = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**30), max_value=10**30)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from(["NaN", "Infinity", "-0", "1e999999", "0.0000001", "1E+3", "0.5"]),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3)
    ),
    max_leaves=8,
)
numberish = st.one_of(
    st.integers(min_value=-(10**20), max_value=10**20),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.sampled_from(["0", "1", "0.05", "1e-30", "1e30", "NaN", "-1", None]),
)


def _fields(template, values):
    return st.fixed_dictionaries(dict.fromkeys(template, values)) | st.dictionaries(
        st.sampled_from(sorted(template)), anything, max_size=len(template)
    )


SURFACES = {
    "wav": st.fixed_dictionaries(
        {
            "weights": st.dictionaries(st.sampled_from(sorted(WEIGHTS) + ["X"]), numberish)
            | anything,
            "upw_bands": st.lists(
                st.fixed_dictionaries(
                    {"max_hours": st.none() | st.integers(-5, 10**12), "weight": numberish}
                ),
                max_size=4,
            )
            | anything,
            "starts": st.lists(
                st.fixed_dictionaries(
                    {
                        "type": st.sampled_from(sorted(WEIGHTS) + ["X"]),
                        "upw_hours": st.none() | st.integers(-5, 10**12),
                    }
                ),
                max_size=5,
            )
            | anything,
        }
    ),
    "ffs-reconciliation": _fields(reconciliation_body(), numberish),
    "pbr-binary": _fields(binary_body(significance_level="0.05"), numberish),
    "pbr-frequency": _fields(frequency_body(), numberish),
}


@pytest.mark.parametrize("endpoint", sorted(SURFACES))
def test_no_input_is_a_server_error(client, endpoint):
    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=SURFACES[endpoint] | anything)
    def call(body):
        response = client.post(BASE + endpoint, body, format="json")
        assert response.status_code in (200, 400), (body, response.content)

    call()


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    n=st.integers(1, 5000),
    data=st.data(),
    b=st.decimals(min_value=0, max_value=1, places=6),
    price=st.decimals(min_value=0, max_value=10**6, places=2),
)
def test_any_possible_cohort_gives_the_rules_figures(client, n, data, b, price):
    r = data.draw(st.integers(0, n))
    f = data.draw(st.integers(r, 5 * r)) if r else 0
    fb = data.draw(st.decimals(min_value=0, max_value=10, places=6))
    binary = client.post(
        BASE + "pbr-binary",
        {
            "cohort_size": n,
            "reoffenders": r,
            "baseline_rate": str(b),
            "price_per_reoffender": str(price),
        },
        format="json",
    ).json()
    expected = rules.pbr_binary(n, r, b, price)
    assert (binary["outcome"], binary["amount"]) == (expected.outcome, str(expected.amount))
    assert binary["p_value_reduction"] == expected.p_value_reduction
    frequency = client.post(
        BASE + "pbr-frequency",
        {
            "cohort_size": n,
            "reoffenders": r,
            "reoffences": f,
            "baseline_rate": str(b),
            "baseline_frequency": str(fb),
            "price_per_reoffence": str(price),
        },
        format="json",
    ).json()
    expected = rules.pbr_frequency(n, r, f, b, fb, price)
    assert frequency == {
        "rate": exact(expected.rate),
        "frequency": exact(expected.frequency),
        "hurdle_met": expected.hurdle_met,
        "outcome": expected.outcome,
        "amount": str(expected.amount),
    }


def test_the_largest_reconciliation_figures_are_computed_exactly(client):
    body = {
        "annual_ffs": "999999999999.99",
        "predicted_wav": "0.01",
        "actual_wav": "9999999999.999999",
        "tolerance": "0",
    }
    response = client.post(BASE + "ffs-reconciliation", body, format="json")
    assert response.status_code == 200, response.content
    expected = rules.reconcile(D(body["annual_ffs"]), D("0.01"), D(body["actual_wav"]), D("0"))
    assert response.json()["adjustment"] == str(expected.adjustment)
    assert response.json()["unit_price"] == exact(expected.unit_price)
