"""The national proven reoffending data (issue 8 part 5; contracts.reoffending): every row
checked first, all rows or none, idempotent (the same file twice adds nothing), a report of
rejected and unmatched rows; the command and the NOMS page."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from contracts import cohorts, periods
from contracts.models import ProvenReoffence, ReoffendingImport
from contracts.reoffending import COLUMNS, EARLIEST_DATE, import_reoffences
from probation import clock
from probation.models import AuditEvent
from probation.rules import pnc_check_letter
from tests.probation.factories import org, person_of, sentence_of, staff

pytestmark = pytest.mark.django_db

D = datetime.date
HEADER = ",".join(COLUMNS)


def pnc(serial: int, year: int = 2004) -> str:
    return f"{year}/{serial:07d}{pnc_check_letter(year, serial)}"


KNOWN, OTHER, NOBODY = pnc(12345), pnc(23456), pnc(34567)
GOOD = [
    f"{KNOWN},2015-07-01,2015-09-15,TH68010",
    f"{KNOWN},2015-10-02,2015-10-02,BU99001",
    f"{OTHER},2016-01-05,2016-03-01,CD71001",
    f"{NOBODY},2015-08-01,2015-12-01,TH68010",
]


def _csv(*rows: str, header: str = HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


@pytest.fixture
def people():
    return person_of("CRC11", pnc_number=KNOWN), person_of("CRC20", pnc_number=OTHER)


@pytest.fixture
def noms():
    return staff("NOMS_CONTRACT_MANAGER", "NOMS")


def _nothing_written():
    return (
        not ReoffendingImport.objects.exists()
        and not ProvenReoffence.objects.exists()
        and not AuditEvent.objects.filter(action="IMPORT").exists()
    )


# --- A good file ---------------------------------------------------------------------------


def test_a_valid_file_is_stored_with_its_report_and_one_audit_row(people, noms):
    report = import_reoffences(_csv(*GOOD), filename="q1.csv", user=noms)
    assert report.ok, report.rejected
    assert (report.rows, report.added, report.already_held, report.repeated) == (4, 4, 0, 0)
    assert [(u.line, u.pnc_number) for u in report.unmatched] == [(5, NOBODY)]
    record = report.record
    assert (record.filename, record.rows, record.added, record.already_held) == (
        "q1.csv",
        4,
        4,
        0,
    )
    assert record.unmatched == [NOBODY] and record.imported_by == noms
    assert len(record.sha256) == 64
    stored = set(
        ProvenReoffence.objects.filter(source=record).values_list(
            "pnc_number", "offence_date", "disposal_date", "offence_code"
        )
    )
    assert (KNOWN, D(2015, 10, 2), D(2015, 10, 2), "BU99001") in stored
    assert (NOBODY, D(2015, 8, 1), D(2015, 12, 1), "TH68010") in stored  # unmatched: kept
    assert len(stored) == 4
    event = AuditEvent.objects.get(action="IMPORT")
    assert event.object_type == "contracts.reoffendingimport"
    assert event.object_id == str(record.pk) and event.actor == noms
    assert event.changes["summary"][1]["added"] == 4


def test_the_same_file_twice_adds_nothing(people, noms):
    import_reoffences(_csv(*GOOD), filename="q1.csv", user=noms)
    again = import_reoffences(_csv(*GOOD).encode(), filename="q1.csv", user=noms)
    assert again.ok
    assert (again.rows, again.added, again.already_held) == (4, 0, 4)
    assert ProvenReoffence.objects.count() == 4
    assert again.record.added == 0 and again.record.already_held == 4
    first, second = ReoffendingImport.objects.order_by("pk")
    assert first.sha256 == second.sha256


def test_a_later_file_adds_only_what_is_new(people, noms):
    import_reoffences(_csv(*GOOD[:2]), filename="a.csv", user=noms)
    report = import_reoffences(_csv(*GOOD[1:]), filename="b.csv", user=noms)
    assert (report.rows, report.added, report.already_held) == (3, 2, 1)
    assert ProvenReoffence.objects.count() == 4


def test_rows_repeated_in_a_file_count_once(people, noms):
    report = import_reoffences(_csv(GOOD[0], GOOD[0], GOOD[2]), filename="d.csv", user=noms)
    assert (report.rows, report.added, report.already_held, report.repeated) == (3, 2, 0, 1)
    assert ProvenReoffence.objects.count() == 2
    again = import_reoffences(_csv(GOOD[0], GOOD[0], GOOD[2]), filename="d.csv", user=noms)
    assert (again.added, again.already_held, again.repeated) == (0, 3, 0)


def test_the_file_may_order_its_columns_freely_and_write_pncs_without_leading_zeros(people):
    header = "offence_code,disposal_date,pnc_number,offence_date"
    row = "TH68010,2015-09-15,2004/12345" + pnc_check_letter(2004, 12345) + ",2015-07-01"
    text = "\ufeff" + _csv(row, "", header=header)  # a byte-order mark and a blank line
    report = import_reoffences(text, filename="o.csv", user=None)
    assert report.ok, report.rejected
    assert report.unmatched == []
    assert ProvenReoffence.objects.get().pnc_number == KNOWN


def test_imported_reoffences_count_for_the_cohort_member_with_the_pnc(people, noms):
    known, _ = people
    sentence_of(
        known,
        sentence_date=D(2015, 6, 1),
        offence_date=D(2015, 5, 1),
        pbr_provider=org("CRC11"),
    )
    import_reoffences(_csv(*GOOD), filename="q1.csv", user=noms)
    quarter = periods.quarters(D(2015, 2, 1), 1)[1]
    assert cohorts.figures(org("CRC11").pk, quarter) == (1, 1, 2)


def test_an_unmatched_pnc_counts_once_its_person_is_recorded(noms):
    import_reoffences(_csv(GOOD[3]), filename="q1.csv", user=noms)
    later = person_of("CRC11", pnc_number=NOBODY)
    sentence_of(
        later, sentence_date=D(2015, 6, 1), offence_date=D(2015, 5, 1), pbr_provider=org("CRC11")
    )
    quarter = periods.quarters(D(2015, 2, 1), 1)[1]
    assert cohorts.figures(org("CRC11").pk, quarter) == (1, 1, 1)


# --- Rejections: nothing is written --------------------------------------------------------


@pytest.mark.parametrize(
    ("row", "column"),
    [
        ("2004/0012345Z,2015-07-01,2015-09-15,TH68010", "pnc_number"),
        ("12345,2015-07-01,2015-09-15,TH68010", "pnc_number"),
        (",2015-07-01,2015-09-15,TH68010", "pnc_number"),
        (f"{KNOWN},01/07/2015,2015-09-15,TH68010", "offence_date"),
        (f"{KNOWN},20150701,2015-09-15,TH68010", "offence_date"),
        (f"{KNOWN},2015-02-30,2015-09-15,TH68010", "offence_date"),
        (f"{KNOWN},2015-07-01,,TH68010", "disposal_date"),
        (f"{KNOWN},2015-07-01,2015-06-30,TH68010", "disposal_date"),
        (f"{KNOWN},1999-12-31,2015-06-30,TH68010", "offence_date"),
        (f"{KNOWN},2015-07-01,2099-01-01,TH68010", "disposal_date"),
        (f"{KNOWN},2015-07-01,2015-09-15,", "offence_code"),
        (f"{KNOWN},2015-07-01,2015-09-15,{'X' * 21}", "offence_code"),
    ],
    ids=[
        "wrong-check-letter",
        "not-a-pnc",
        "no-pnc",
        "date-not-iso",
        "date-without-dashes",
        "no-such-day",
        "no-disposal-date",
        "disposal-day-before-offence",
        "before-the-earliest-date",
        "in-the-future",
        "no-offence-code",
        "offence-code-21-characters",
    ],
)
def test_one_bad_row_rejects_the_file_with_its_line_and_column(noms, row, column):
    report = import_reoffences(_csv(GOOD[0], row, GOOD[2]), filename="bad.csv", user=noms)
    assert not report.ok and report.record is None
    assert [(e.line, e.column) for e in report.rejected] == [(3, column)]
    assert report.rejected[0].message
    assert _nothing_written()


@pytest.mark.parametrize(
    "row",
    [
        f"{KNOWN},2015-07-01,2015-07-01,TH68010",
        f"{KNOWN},{EARLIEST_DATE},{EARLIEST_DATE},TH68010",
        f"{KNOWN},2015-07-01,2015-09-15,{'X' * 20}",
        f"{KNOWN},2015-07-01,{{today}},TH68010",
        f"{KNOWN.lower()},2015-07-01,2015-09-15,TH68010",
    ],
    ids=[
        "proven-on-the-day-committed",
        "on-the-earliest-date",
        "offence-code-20-characters",
        "proven-today",
        "lower-case-check-letter",
    ],
)
def test_rows_on_the_edges_are_accepted(row):
    report = import_reoffences(
        _csv(row.replace("{today}", clock.today().isoformat())), filename="ok.csv", user=None
    )
    assert report.ok, report.rejected
    assert report.added == 1


def test_every_rejected_row_is_listed(noms):
    report = import_reoffences(
        _csv(
            "2004/0012345Z,2015-07-01,2015-09-15,TH68010",
            GOOD[0],
            "",
            f"{KNOWN},2015-07-01,2015-06-01,",
        ),
        filename="bad.csv",
        user=noms,
    )
    assert [(e.line, e.column) for e in report.rejected] == [
        (2, "pnc_number"),
        (5, "disposal_date"),
        (5, "offence_code"),
    ]
    assert _nothing_written()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (_csv(GOOD[0], header="pnc,offence_date,disposal_date,offence_code"), [(1, "pnc_number")]),
        (HEADER + "\n", [(1, "")]),
        ("", [(1, c) for c in COLUMNS]),
        (b"pnc_number,offence_date\n" + b"\xff\xfe\n", [(0, "")]),
    ],
    ids=["missing-column", "no-rows", "empty-file", "not-utf-8"],
)
def test_a_file_that_cannot_be_read_is_rejected(text, expected):
    report = import_reoffences(text, filename="bad.csv", user=None)
    assert [(e.line, e.column) for e in report.rejected] == expected
    assert _nothing_written()


# --- The command -----------------------------------------------------------------------------


def test_the_command_imports_and_prints_the_report(tmp_path, capsys, people):
    path = tmp_path / "reoffences.csv"
    path.write_text(_csv(*GOOD))
    call_command("import_reoffending", str(path))
    out = capsys.readouterr().out
    assert "4 reoffence(s) added" in out and "0 already held" in out
    assert f"line 5: {NOBODY}" in out
    call_command("import_reoffending", str(path))
    assert "0 reoffence(s) added, 4 already held" in capsys.readouterr().out
    assert AuditEvent.objects.filter(action="IMPORT", via="command").count() == 2


def test_the_command_exits_non_zero_on_a_rejected_file(tmp_path, capsys):
    path = tmp_path / "bad.csv"
    path.write_text(_csv(GOOD[0], f"{KNOWN},2015-07-01,2015-06-01,TH68010"))
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_reoffending", str(path))
    assert "line 3 disposal_date" in capsys.readouterr().err
    assert _nothing_written()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_reoffending", str(tmp_path / "missing.csv"))


# --- The page ---------------------------------------------------------------------------------

URL = "/contracts/reoffending/"


def _upload(text: str, name="reoffences.csv"):
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


def test_the_route():
    assert reverse("contracts:reoffending") == URL


@pytest.mark.parametrize(
    ("role", "organisation"),
    [
        ("CRC_MANAGER", "CRC11"),
        ("CRC_FINANCE_OFFICER", "CRC11"),
        ("NPS_ALLOCATION_OFFICER", "NPS-WAL"),
    ],
)
def test_the_page_is_not_there_for_anyone_but_noms_contract_managers(client, role, organisation):
    client.force_login(staff(role, organisation))
    assert client.get(URL).status_code == 404
    assert client.post(URL, {"file": _upload(_csv(*GOOD))}).status_code == 404
    assert _nothing_written()


def test_the_page_asks_anonymous_users_to_sign_in(client, settings):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse(settings.LOGIN_URL))


def test_noms_upload_a_file_and_see_the_report_and_the_past_imports(client, noms, people):
    client.force_login(noms)
    page = client.get(URL).content.decode()
    assert 'data-testid="no-imports"' in page and HEADER in page
    response = client.post(URL, {"file": _upload(_csv(*GOOD), "march.csv")})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-done"' in page and "4 proven reoffences added" in page
    assert 'data-testid="import-unmatched"' in page and NOBODY in page
    assert 'data-testid="past-imports"' in page and "march.csv" in page
    assert ProvenReoffence.objects.count() == 4
    again = client.post(URL, {"file": _upload(_csv(*GOOD), "march.csv")}).content.decode()
    assert "0 proven reoffences added" in again
    assert ProvenReoffence.objects.count() == 4


def test_a_rejected_file_shows_each_problem_and_changes_nothing(client, noms):
    client.force_login(noms)
    bad = _csv(GOOD[0], f"{KNOWN},2015-07-01,2015-06-01,TH68010")
    response = client.post(URL, {"file": _upload(bad)})
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="import-rejected"' in page and "Nothing was imported" in page
    assert "The disposal date is before the offence date." in page
    assert "<title>Error:" in page
    assert _nothing_written()


def test_posting_without_a_file_shows_the_error_summary(client, noms):
    client.force_login(noms)
    page = client.post(URL, {}).content.decode()
    assert "There is a problem" in page and "govuk-form-group--error" in page
    assert _nothing_written()


def test_the_past_imports_take_the_same_queries_however_many(client, noms, people):
    client.force_login(noms)
    import_reoffences(_csv(GOOD[0]), filename="1.csv", user=noms)
    client.get(URL)  # warm up the session and the vetting lookups
    with CaptureQueriesContext(connection) as one:
        client.get(URL)
    for index in range(5):
        import_reoffences(
            _csv(GOOD[index % 4]),
            filename=f"{index}.csv",
            user=staff("NOMS_CONTRACT_MANAGER", "NOMS"),
        )
    with CaptureQueriesContext(connection) as six:
        page = client.get(URL).content.decode()
    assert page.count('<td class="govuk-table__cell">4.csv</td>') == 1
    assert len(six) == len(one)
