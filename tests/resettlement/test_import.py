"""NOMS's CSV import of prisons and designations: every row checked first, all or nothing,
a report of each rejected row; the page and ``manage.py import_designations``."""

import datetime
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from probation.models import AuditEvent
from resettlement import designations
from resettlement.imports import COLUMNS, import_designations
from resettlement.models import Designation, Prison
from tests.probation.factories import staff
from tests.resettlement.factories import prison

pytestmark = pytest.mark.django_db

HEADER = ",".join(COLUMNS)
SAMPLE = (
    Path(__file__).resolve().parents[2] / "resettlement" / "fixtures" / "designations_sample.csv"
)
GOOD = [
    "CFI,HMP Cardiff,MALE_LOCAL,public,LDU1105,yes,CRC11,,,2015-05-01",
    "EWI,HMP Eastwood Park,WOMEN,public,LDU1301,yes,CRC13,CRC11;CRC14;CRC12,CRC15,2015-05-01",
    "LLI,HMP Long Lartin,MALE_TRAINING,public,LDU1205,no,,,,2015-05-01",
]


def _csv(*rows: str) -> str:
    return "\n".join([HEADER, *rows]) + "\n"


def _noms():
    return staff("NOMS_CONTRACT_MANAGER", "NOMS")


def test_a_valid_file_creates_the_prisons_and_records_their_designations():
    report = import_designations(_csv(*GOOD), actor=_noms(), source="test.csv")
    assert report.ok, report.rejected
    assert (report.prisons_created, report.designations_recorded) == (3, 3)
    day = datetime.date(2016, 1, 1)
    eastwood = designations.designation_facts(Prison.objects.get(code="EWI"), day)
    assert eastwood.host_lead_provider == "CRC13"
    assert eastwood.host_crcs == ("CRC11", "CRC12", "CRC14") or set(eastwood.host_crcs) == {
        "CRC11",
        "CRC12",
        "CRC14",
    }
    assert set(eastwood.designated_to) == {"CRC11", "CRC12", "CRC13", "CRC14", "CRC15"}
    assert not designations.designation_facts(Prison.objects.get(code="LLI"), day).resettlement
    cardiff = Prison.objects.get(code="CFI")
    assert cardiff.organisation.code == "PRISON-CFI" and cardiff.ldu.code == "LDU1105"
    assert AuditEvent.objects.filter(action="IMPORT").count() == 1
    assert Designation.objects.get(prison=cardiff).source == "Import: test.csv"


def test_a_later_file_ends_the_designations_in_force_and_known_prisons_need_no_details():
    import_designations(_csv(*GOOD), actor=_noms(), source="first.csv")
    report = import_designations(
        _csv("CFI,,,,,yes,CRC11,CRC12,,2017-04-01", "LLI,HMP Long Lartin,,,,no,,,,2017-04-01"),
        actor=_noms(),
        source="second.csv",
    )
    assert report.ok, report.rejected
    assert (report.prisons_created, report.designations_recorded) == (0, 2)
    cardiff = Prison.objects.get(code="CFI")
    assert designations.designation_facts(cardiff, datetime.date(2017, 3, 31)).host_crcs == ()
    assert designations.designation_facts(cardiff, datetime.date(2017, 4, 1)).host_crcs == (
        "CRC12",
    )


def test_one_bad_row_changes_nothing_and_is_reported():
    before = (Prison.objects.count(), Designation.objects.count(), AuditEvent.objects.count())
    report = import_designations(
        _csv(GOOD[0], "EWI,HMP Eastwood Park,WOMEN,public,LDU1301,yes,CRC99,,,2015-05-01", GOOD[2]),
        actor=_noms(),
        source="bad.csv",
    )
    assert not report.ok
    assert [(e.line, e.column) for e in report.rejected] == [(3, "host_lead_provider")]
    assert "CRC99" in report.rejected[0].message
    assert (
        Prison.objects.count(),
        Designation.objects.count(),
        AuditEvent.objects.count(),
    ) == before


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            "CF1,HMP Cardiff,MALE_LOCAL,public,LDU1105,yes,CRC11,,,2015-05-01",
            "prison_code",
            "three",
        ),
        ("cfi,HMP Cardiff,MALE_LOCAL,public,LDU1105,yes,CRC11,,,2015-05-01", None, None),
        (",HMP Cardiff,MALE_LOCAL,public,LDU1105,yes,CRC11,,,2015-05-01", "prison_code", "three"),
        ("CFI,,MALE_LOCAL,public,LDU1105,yes,CRC11,,,2015-05-01", "prison_name", "name"),
        ("CFI,HMP Cardiff,CASTLE,public,LDU1105,yes,CRC11,,,2015-05-01", "kind", "MALE_LOCAL"),
        (
            "CFI,HMP Cardiff,MALE_LOCAL,perhaps,LDU1105,yes,CRC11,,,2015-05-01",
            "contracted",
            "public",
        ),
        ("CFI,HMP Cardiff,MALE_LOCAL,public,LDU9999,yes,CRC11,,,2015-05-01", "ldu_code", "LDU9999"),
        (
            "CFI,HMP Cardiff,MALE_LOCAL,public,LDU1105,maybe,CRC11,,,2015-05-01",
            "resettlement",
            "yes",
        ),
        ("CFI,HMP Cardiff,MALE_LOCAL,public,LDU1105,yes,,,,2015-05-01", "host_lead_provider", ""),
        ("CFI,HMP Cardiff,MALE_LOCAL,public,LDU1105,yes,CRC11,CRC11,,2015-05-01", "host_crcs", ""),
        (
            "CFI,HMP Cardiff,MALE_LOCAL,public,LDU1105,yes,CRC11,CRC12;CRC13,,2015-05-01",
            "host_crcs",
            "at most 1",
        ),
        (
            "CFI,HMP Cardiff,MALE_LOCAL,public,LDU1105,yes,CRC11,CRC42,,2015-05-01",
            "host_crcs",
            "CRC42",
        ),
        (
            "CFI,HMP Cardiff,MALE_LOCAL,public,LDU1105,yes,CRC11,,CRC77,2015-05-01",
            "designated_cpas",
            "CRC77",
        ),
        (
            "CFI,HMP Cardiff,MALE_LOCAL,public,LDU1105,no,CRC11,,,2015-05-01",
            "host_lead_provider",
            "no host",
        ),
        (
            "CFI,HMP Cardiff,MALE_LOCAL,public,LDU1105,no,,,CRC12,2015-05-01",
            "designated_cpas",
            "no CPA",
        ),
        (
            "CFI,HMP Cardiff,MALE_LOCAL,public,LDU1105,yes,CRC11,,,01/05/2015",
            "effective_from",
            "YYYY",
        ),
        (
            "CFI,HMP Cardiff,MALE_LOCAL,public,LDU1105,yes,CRC11,,,2015-02-30",
            "effective_from",
            "YYYY",
        ),
        (
            "EWI,HMP Eastwood Park,WOMEN,public,LDU1301,yes,CRC13,"
            "CRC11;CRC12;CRC14;CRC15,,2015-05-01",
            "host_crcs",
            "at most 3",
        ),
        (
            "AYI,HMP Aylesbury,YOUNG_ADULT,public,LDU1603,yes,CRC16,"
            "CRC11;CRC12;CRC14;CRC15,,2015-05-01",
            "host_crcs",
            "at most 3",
        ),
    ],
)
def test_every_kind_of_rejection(row, column, message):
    report = import_designations(_csv(row), actor=_noms(), source="x.csv")
    if column is None:  # a lower-case code is taken in capitals
        assert report.ok, report.rejected
        return
    assert not report.ok
    assert (2, column) in {(e.line, e.column) for e in report.rejected}, report.rejected
    assert any(message in e.message for e in report.rejected if e.column == column)
    assert not Prison.objects.exists()


def test_a_prison_twice_in_one_file_is_rejected_with_the_first_line():
    report = import_designations(_csv(GOOD[0], GOOD[1], GOOD[0]), actor=_noms(), source="x.csv")
    assert [(e.line, e.column) for e in report.rejected] == [(4, "prison_code")]
    assert "line 2" in report.rejected[0].message


def test_a_known_prison_must_match_and_start_after_its_latest_designation():
    prison("CFI", lead="CRC11")  # designated from 2015-01-01, "HMP Cfi", MALE_LOCAL
    report = import_designations(
        _csv("CFI,HMP Cardiff,WOMEN,contracted,LDU2001,yes,CRC11,,,2015-01-01"),
        actor=_noms(),
        source="x.csv",
    )
    columns = {e.column for e in report.rejected}
    assert columns == {"prison_name", "kind", "contracted", "ldu_code", "effective_from"}


def test_a_missing_column_or_an_empty_file_is_reported():
    report = import_designations(
        "prison_code,prison_name\nCFI,HMP Cardiff\n", actor=None, source="x"
    )
    assert {e.column for e in report.rejected} >= {"kind", "effective_from"}
    assert all(e.line == 1 for e in report.rejected)
    assert not import_designations(HEADER + "\n", actor=None, source="x").ok


def test_the_dual_designated_limit_is_the_young_adult_one():
    report = import_designations(
        _csv("DUA,HMP Dual,DUAL,public,LDU1101,yes,CRC11,CRC12;CRC13;CRC14,,2015-05-01"),
        actor=None,
        source="x",
    )
    assert report.ok, report.rejected
    report = import_designations(
        _csv("DUB,HMP Dual B,DUAL,public,LDU1101,yes,CRC11,CRC12;CRC13;CRC14;CRC15,,2015-05-01"),
        actor=None,
        source="x",
    )
    assert [e.column for e in report.rejected] == ["host_crcs"]


def test_the_command_imports_the_sample_and_reports_its_counts(capsys):
    call_command("import_designations", str(SAMPLE))
    assert "4 prison(s) created, 4 designation(s) recorded" in capsys.readouterr().out
    assert Prison.objects.count() == 4
    assert AuditEvent.objects.filter(action="IMPORT").count() == 1


def test_the_command_fails_with_the_rejected_rows_and_changes_nothing(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(_csv(GOOD[0], "XXI,HMP X,MALE_LOCAL,public,LDU1105,yes,CRC11,,,soon"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_designations", str(path))
    assert "line 3 effective_from" in capsys.readouterr().err
    assert not Prison.objects.exists()


def test_the_command_exit_code_is_1_on_rejection(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text(_csv("XXI,HMP X,MALE_LOCAL,public,LDU1105,yes,CRC11,,,soon"))
    with pytest.raises(CommandError) as raised:
        call_command("import_designations", str(path))
    assert raised.value.returncode == 1


def test_the_page_is_for_noms_and_shows_the_report(client):
    url = reverse("resettlement:designation-import")
    client.force_login(staff("CRC_MANAGER", "CRC11"))
    assert 'data-testid="not-noms"' in client.get(url).content.decode()
    upload = SimpleUploadedFile("d.csv", _csv(*GOOD).encode(), content_type="text/csv")
    assert client.post(url, {"file": upload}).status_code == 403
    client.force_login(_noms())
    page = client.get(url).content.decode()
    assert "prison_code,prison_name,kind" in page
    bad = SimpleUploadedFile("d.csv", _csv(GOOD[0], GOOD[0]).encode(), content_type="text/csv")
    page = client.post(url, {"file": bad}).content.decode()
    assert 'data-testid="import-report"' in page and "one row per prison" in page
    assert not Prison.objects.exists()
    upload = SimpleUploadedFile("d.csv", _csv(*GOOD).encode(), content_type="text/csv")
    page = client.post(url, {"file": upload}).content.decode()
    assert 'data-testid="import-done"' in page and "3 prisons created" in page
    assert Prison.objects.count() == 3
    missing = client.post(url, {}).content.decode()
    assert "govuk-error-summary" in missing
