"""TOM Annex D is loaded completely: 21 CRCs, 7 NPS divisions/directorates, every LDU
under the right cluster, division and CRC (DOMAIN.md 1)."""

from collections import Counter

import pytest

from probation.models import Organisation, OrganisationKind
from probation.reference import DIVISIONS, annex_d_rows, load_national_structure

pytestmark = pytest.mark.django_db

# Transcribed independently from TOM Annex D's CRC column (lines "1 – Northumbria" ...).
CRC_NAMES = {
    1: "Northumbria",
    2: "Cumbria and Lancashire",
    3: "Durham Tees Valley",
    4: "Humberside, Lincolnshire and North Yorkshire",
    5: "West Yorkshire",
    6: "Cheshire and Greater Manchester",
    7: "Merseyside",
    8: "South Yorkshire",
    9: "Staffordshire and West Midlands",
    10: "Derbyshire, Leicestershire, Nottinghamshire and Rutland",
    11: "Wales",
    12: "Warwickshire and West Mercia",
    13: "Bristol, Gloucestershire, Somerset and Wiltshire",
    14: "Dorset, Devon and Cornwall",
    15: "Hampshire and Isle of Wight",
    16: "Thames Valley",
    17: "Northamptonshire, Bedfordshire, Hertfordshire and Cambridgeshire",
    18: "Norfolk and Suffolk",
    19: "Essex",
    20: "London",
    21: "Kent, Surrey and Sussex",
}


def test_noms_with_ppcs_and_the_nps():
    ppcs = Organisation.objects.get(code="PPCS")
    assert ppcs.parent.code == "NOMS" and ppcs.kind == OrganisationKind.NOMS_UNIT
    assert Organisation.objects.get(code="NPS").kind == OrganisationKind.NPS


def test_seven_divisions_six_english_and_wales():
    divisions = Organisation.objects.divisions()
    assert {d.name for d in divisions} == set(DIVISIONS.values())
    assert divisions.count() == 7
    assert all(d.parent.code == "NPS" for d in divisions)


def test_twenty_one_crcs_numbered_by_cpa():
    crcs = Organisation.objects.crcs()
    assert [(c.code, c.cpa_number) for c in crcs] == [(f"CRC{n:02d}", n) for n in range(1, 22)]
    for crc in crcs:
        assert crc.name == f"{CRC_NAMES[crc.cpa_number]} CRC"


def test_every_annex_d_ldu_is_loaded_under_its_cluster_division_and_crc():
    rows = annex_d_rows()
    ldus = {
        o.code: o for o in Organisation.objects.ldus().select_related("parent", "division", "crc")
    }
    assert set(ldus) == {row["ldu_code"] for row in rows}
    for row in rows:
        ldu = ldus[row["ldu_code"]]
        assert ldu.name == row["ldu_name"]
        assert ldu.parent.code == row["cluster_code"]
        assert ldu.parent.name == row["cluster_name"]
        assert ldu.parent.kind == OrganisationKind.LDU_CLUSTER
        assert ldu.division.code == f"NPS-{row['division_code']}"
        assert ldu.parent.division == ldu.division == ldu.parent.parent
        assert ldu.crc.cpa_number == row["cpa_number"]


def test_annex_d_has_the_national_scale():
    rows = annex_d_rows()
    # About 150 LDUs (DOMAIN.md 1), every CPA with at least one, each LDU name unique
    # within its CPA.
    assert 140 <= len(rows) <= 170
    per_cpa = Counter(row["cpa_number"] for row in rows)
    assert set(per_cpa) == set(range(1, 22))
    assert len({(r["cpa_number"], r["ldu_name"]) for r in rows}) == len(rows)


@pytest.mark.parametrize(
    ("ldu", "cluster", "division", "cpa"),
    [
        ("Newcastle", "North of Tyne", "NE", 1),
        ("Kirklees", "Wakefield & Kirklees", "NE", 5),
        ("Wirral", "Liverpool & Wirral", "NW", 7),
        ("Stockton", "Tees Valley", "NE", 3),
        ("Leeds", "Leeds", "NE", 5),
    ],
)
def test_spot_checks_against_the_annex(ldu, cluster, division, cpa):
    found = Organisation.objects.get(kind=OrganisationKind.LDU, name=ldu, crc__cpa_number=cpa)
    assert found.parent.name == cluster
    assert found.division.code == f"NPS-{division}"


def test_every_cpa_lies_within_divisions_of_its_own_country():
    wales = Organisation.objects.ldus().filter(crc__cpa_number=11)
    assert wales.exists() and set(wales.values_list("division__code", flat=True)) == {"NPS-WAL"}
    london = Organisation.objects.ldus().filter(crc__cpa_number=20)
    assert set(london.values_list("division__code", flat=True)) == {"NPS-LON"}


def test_loading_again_changes_nothing():
    before = list(Organisation.objects.order_by("code").values())
    load_national_structure(Organisation)
    assert list(Organisation.objects.order_by("code").values()) == before


def test_a_cluster_may_span_two_cpas_and_only_its_ldus_name_a_crc():
    cluster = Organisation.objects.get(
        kind=OrganisationKind.LDU_CLUSTER, name="Coventry, Solihull & Warwickshire"
    )
    assert cluster.crc is None
    crcs = set(cluster.children.values_list("crc__code", flat=True))
    assert crcs == {"CRC09", "CRC12"}
