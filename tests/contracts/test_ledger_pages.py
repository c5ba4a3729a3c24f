"""The ledger pages (issue 8 parts 7 and 8): months with lines, a month's lines with totals
by payer and its CSV, one line and what it counted ("from a pound to a person": WAV starts
with their weights, cohort members with their reoffences, a missed service level's cases,
deliveries invoiced, Senior Attendance Centre orders charged) with names only for people the
reader may see, paginated, in constant queries and as CSV; and NOMS's reversal of a line."""

import csv
import datetime
import io
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from contracts import exports, ledger
from contracts.models import (
    ChargedOrder,
    CohortMember,
    CountedReoffence,
    Delivery,
    InvoicedDelivery,
    LedgerEntry,
    ProvenReoffence,
    RateCardOrder,
    ReoffendingImport,
    ServiceLevelCase,
    ServiceLevelResult,
    WavStart,
)
from probation.models import AuditEvent
from tests.contracts.factories import BANDS, WEIGHTS, contract_of, rate_card_item_of
from tests.probation.factories import org, person_of, sentence_of, staff

pytestmark = pytest.mark.django_db

OFFENCE = datetime.date(2014, 12, 1)


def _noms():
    return staff("NOMS_CONTRACT_MANAGER", "NOMS")


def _finance(crc="CRC11"):
    return staff("CRC_FINANCE_OFFICER", crc)


def _month_url(contract, month):
    return reverse("contracts:ledger-month", args=[contract.pk, month])


def _line_url(contract, entry):
    return reverse("contracts:ledger-line", args=[contract.pk, entry.pk])


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.reader(io.StringIO(body)))


# --- Months and a month's lines -------------------------------------------------------------


@pytest.fixture
def march(line):
    """CRC11's year-1 contract with March 2015 paid: an instalment, a credit, a fee-for-use
    invoice from the NPS, and an instalment reversed and written again."""
    contract = contract_of("CRC11", year=1)
    line(contract, "2015-02", "FFS_INSTALMENT", "FFS:2015-02", "833333.33")
    wrong = line(contract, "2015-03", "FFS_INSTALMENT", "FFS:2015-03", "900000.00")
    reversal = ledger.reverse(wrong, reason="Paid on the wrong bid", user=_noms())
    again = line(contract, "2015-03", "FFS_INSTALMENT", "FFS:2015-03", "833333.33")
    credit = line(contract, "2015-03", "SERVICE_CREDIT", "CREDIT:X:2015-03", "-16666.67")
    invoice = line(
        contract,
        "2015-03",
        "FEE_FOR_USE",
        "FFU:2015-03:NPS",
        "450.00",
        payer="NPS",
        payer_organisation=org("NPS"),
    )
    return contract, {
        "wrong": wrong,
        "reversal": reversal,
        "again": again,
        "credit": credit,
        "invoice": invoice,
    }


def test_the_ledger_lists_months_with_their_totals(client, march):
    contract, _ = march
    client.force_login(_finance())
    page = client.get(reverse("contracts:ledger", args=[contract.pk])).content.decode()
    rows = re.findall(r'data-testid="ledger-month-row">(.*?)</tr>', page, re.S)
    assert [re.search(r">(\w+ \d{4})</a>", r).group(1) for r in rows] == [
        "February 2015",
        "March 2015",
    ]
    # March: the standing instalment, the credit and the invoice; the reversed pair cancels.
    assert "£817,116.66" in rows[1] and ">5<" in rows[1].replace(" ", "")
    total = re.search(r'data-testid="ledger-total-row">(.*?)</tr>', page, re.S).group(1)
    assert "£1,650,449.99" in total


def test_a_months_lines_show_reversals_and_totals_by_payer(client, march):
    contract, lines = march
    client.force_login(_finance())
    page = client.get(_month_url(contract, "2015-03")).content.decode()
    shown = re.findall(r'data-testid="ledger-line" data-line="(\d+)"', page)
    assert sorted(map(int, shown)) == sorted(e.pk for e in lines.values())
    wrong = re.search(rf'data-line="{lines["wrong"].pk}">(.*?)</tr>', page, re.S).group(1)
    assert "Reversed" in wrong and f"line {lines['reversal'].pk}" in wrong
    reversal = re.search(rf'data-line="{lines["reversal"].pk}">(.*?)</tr>', page, re.S).group(1)
    assert "Reversal" in reversal and "£-900,000.00" in reversal
    again = re.search(rf'data-line="{lines["again"].pk}">(.*?)</tr>', page, re.S).group(1)
    assert "correction 1" in again and "Standing" in again
    payers = dict(re.findall(r'data-payer="(\w+)">.*?£([\d,.-]+)<', page, re.S))
    assert payers == {"NOMS": "816,666.66", "NPS": "450.00"}
    assert "£817,116.66" in re.search(r'data-testid="month-total">(.*?)</td>', page).group(1)


def test_a_month_without_lines_is_shown_empty(client, march):
    contract, _ = march
    client.force_login(_finance())
    page = client.get(_month_url(contract, "2015-07")).content.decode()
    assert 'data-testid="month-empty"' in page


@pytest.mark.parametrize(
    "month", ["2015-13", "2015-3", "15-03", "2015-00", "abcd-ef", "2015-03-01", "march"]
)
def test_a_bad_month_is_404(client, march, month):
    contract, _ = march
    client.force_login(_finance())
    assert client.get(_month_url(contract, month)).status_code == 404


def test_the_months_csv_has_the_documented_columns_and_every_line(client, march):
    contract, lines = march
    client.force_login(_finance())
    response = client.get(_month_url(contract, "2015-03"), {"format": "csv"})
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="ledger-CRC11-Y1-2015-03.csv"' in response["Content-Disposition"]
    rows = _csv(response)
    assert tuple(rows[0]) == exports.MONTH_COLUMNS
    by_line = {int(r[0]): dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert set(by_line) == {e.pk for e in lines.values()}
    wrong = by_line[lines["wrong"].pk]
    assert wrong["reversed_by"] == str(lines["reversal"].pk) and wrong["amount"] == "900000.00"
    reversal = by_line[lines["reversal"].pk]
    assert reversal["reverses"] == str(lines["wrong"].pk)
    assert reversal["reason"] == "Paid on the wrong bid" and reversal["amount"] == "-900000.00"
    assert by_line[lines["again"].pk]["correction"] == "1"
    invoice = by_line[lines["invoice"].pk]
    assert (invoice["kind"], invoice["payer"], invoice["month"]) == (
        "FEE_FOR_USE",
        "NPS",
        "2015-03",
    )
    assert invoice["payer_name"] == org("NPS").name
    total = sum(Decimal(r["amount"]) for r in by_line.values())
    assert total == Decimal("817116.66")


def test_the_month_page_costs_the_same_queries_for_3_lines_or_30(client, line):
    contract = contract_of("CRC11", year=1)
    client.force_login(_noms())
    url = _month_url(contract, "2015-03")

    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    def add(number, start):
        for n in range(start, start + number):
            entry = line(
                contract,
                "2015-03",
                "FEE_FOR_USE",
                f"FFU:2015-03:{n}",
                "10.00",
                payer="CO_COMMISSIONER",
                payer_name=f"PCC {n}",
            )
            if n % 3 == 0:
                ledger.reverse(entry, reason="Wrong", user=_noms())

    add(3, 0)
    few = queries()
    add(27, 3)
    assert LedgerEntry.objects.filter(contract=contract).count() > 30
    assert queries() == few


# --- One line and what it counted -----------------------------------------------------------


def _reoffence(pnc, offence_date, code="TH68010"):
    source, _ = ReoffendingImport.objects.get_or_create(
        filename="reoffences.csv",
        defaults=dict(sha256="0" * 64, rows=1, added=1, already_held=0),
    )
    return ProvenReoffence.objects.create(
        source=source,
        pnc_number=pnc,
        offence_date=offence_date,
        disposal_date=offence_date + datetime.timedelta(days=60),
        offence_code=code,
    )


def _cohort(line, contract, people, *, reoffending=(), key="PBR_BINARY:Y1-Q1"):
    """A binary cohort line of ``people``; those in ``reoffending`` with one counted
    reoffence each."""
    entry = line(
        contract, "2016-10", "PBR_BINARY", key, "0.00", detail={"cohort_size": len(people)}
    )
    for index, person in enumerate(people):
        sentence = sentence_of(
            person, sentence_date=datetime.date(2015, 2, 10), offence_date=OFFENCE
        )
        pnc = f"15/{entry.pk:03d}{index:04d}A"
        member = CohortMember.objects.create(
            entry=entry,
            person=person,
            sentence=sentence,
            entry_type="COMMUNITY_ORDER",
            entered_on=datetime.date(2015, 2, 10),
            pnc_number=pnc,
            offences_before=datetime.date(2016, 2, 10),
            proven_before=datetime.date(2016, 8, 10),
            reoffences=1 if person in reoffending else 0,
        )
        if person in reoffending:
            CountedReoffence.objects.create(
                member=member, reoffence=_reoffence(pnc, datetime.date(2015, 6, 1))
            )
    return entry


def test_a_cohort_line_shows_its_members_and_their_reoffences(client, line):
    contract = contract_of("CRC11", year=1)
    managed = person_of("CRC11")
    elsewhere = person_of("CRC20")  # counted for CRC11 (transferred), managed by London now
    entry = _cohort(line, contract, [managed, elsewhere], reoffending=[managed])
    expectations = [
        (_noms(), {managed, elsewhere}),
        (staff("CRC_MANAGER", "CRC11"), {managed}),
        (_finance(), set()),
    ]
    for user, named in expectations:
        client.force_login(user)
        page = client.get(_line_url(contract, entry)).content.decode()
        assert 'data-kind="members"' in page
        for person in (managed, elsewhere):
            assert person.crn in page
            sentence = f"{person.crn}/{person.sentences.get().number}"
            assert sentence in page
            link = reverse("person-detail", args=[person.crn])
            assert (person.full_name in page) == (person in named), user
            assert (link in page) == (person in named), user
        assert "TH68010: committed 1 Jun 2015, proven 31 Jul 2015" in page


def test_a_reconciliation_line_shows_its_starts_with_the_weights_it_used(client, line):
    contract = contract_of("CRC11", year=1)
    weights = {**WEIGHTS, "COMMUNITY_ORDER": "2.0"}  # the weights at the time of the line
    entry = line(
        contract,
        "2016-01",
        "FFS_RECONCILIATION",
        "RECONCILIATION:Y1",
        "0.00",
        detail={"weights": weights, "upw_bands": BANDS},
    )
    person = person_of("CRC11")
    sentence = sentence_of(person, sentence_date=datetime.date(2015, 3, 1), offence_date=OFFENCE)
    for hours, start_type in (
        (100, "COMMUNITY_ORDER"),
        (101, "COMMUNITY_ORDER"),
        (None, "LICENCE"),
    ):
        WavStart.objects.create(
            entry=entry,
            person=person,
            sentence=sentence,
            start_type=start_type,
            start_date=datetime.date(2015, 3, 1),
            upw_hours=hours,
        )
    client.force_login(_finance())
    page = client.get(_line_url(contract, entry)).content.decode()
    weights_shown = re.findall(r'numeric">([\d.]+)</td>\s*</tr>', page)
    # 2.0 + the 100-hour band's 0.4; one hour over: 2.0 + 0.8; a licence 1.5.
    assert sorted(Decimal(w) for w in weights_shown) == [
        Decimal("1.5"),
        Decimal("2.4"),
        Decimal("2.8"),
    ]
    rows = _csv(client.get(_line_url(contract, entry), {"format": "csv"}))
    assert tuple(rows[0]) == exports.STARTS_COLUMNS
    assert sorted(Decimal(r[-1]) for r in rows[1:]) == [
        Decimal("1.5"),
        Decimal("2.4"),
        Decimal("2.8"),
    ]
    assert {r[2] for r in rows[1:]} == {f"{person.crn}/{sentence.number}"}
    assert {r[1] for r in rows[1:]} == {""}  # a finance officer sees no names


def test_a_service_credit_line_shows_the_cases_behind_the_missed_level(client, line):
    contract = contract_of("CRC11", year=1)
    result = ServiceLevelResult.objects.create(
        organisation=contract.crc,
        contract=contract,
        month=datetime.date(2015, 3, 1),
        code="FIRST_APPOINTMENT",
        numerator=1,
        denominator=2,
        target=Decimal("0.9"),
        met=False,
        computed_at=timezone.now(),
    )
    late, on_time = person_of("CRC11"), person_of("CRC11")
    ServiceLevelCase.objects.create(
        result=result, person=late, reference="S-1", met=False, detail="Seen 3 days late"
    )
    ServiceLevelCase.objects.create(result=result, person=on_time, reference="S-2", met=True)
    entry = line(
        contract,
        "2015-03",
        "SERVICE_CREDIT",
        "CREDIT:FIRST_APPOINTMENT:2015-03",
        "-16666.67",
        service_level_result=result,
    )
    client.force_login(staff("CRC_MANAGER", "CRC11"))
    page = client.get(_line_url(contract, entry)).content.decode()
    assert 'data-kind="cases"' in page and "Seen 3 days late" in page
    assert late.full_name in page and on_time.full_name in page
    rows = _csv(client.get(_line_url(contract, entry), {"format": "csv"}))
    assert tuple(rows[0]) == exports.CASES_COLUMNS
    assert [(r[0], r[2], r[3]) for r in rows[1:]] == [
        (late.crn, "S-1", "no"),
        (on_time.crn, "S-2", "yes"),
    ]
    assert rows[1][1] == late.full_name


def test_fee_for_use_and_attendance_centre_lines_show_what_they_charged(client, line):
    contract = contract_of("CRC11", year=1)
    noms = _noms()
    item = rate_card_item_of(contract, "programme", price="150.00")
    person = person_of("CRC11")
    order = RateCardOrder.objects.create(
        item=item,
        purchaser_kind="NPS",
        purchaser=org("NPS"),
        reference="PO-77",
        ordered_on=datetime.date(2015, 3, 1),
        quantity=Decimal("3"),
        person=person,
        ordered_by=noms,
    )
    delivery = Delivery.objects.create(
        order=order, delivered_on=datetime.date(2015, 3, 9), quantity=Decimal("2"), recorded_by=noms
    )
    invoice = line(contract, "2015-03", "FEE_FOR_USE", "FFU:2015-03:NPS", "300.00", payer="NPS")
    InvoicedDelivery.objects.create(
        entry=invoice,
        delivery=delivery,
        quantity=Decimal("2"),
        price=Decimal("150.00"),
        amount=Decimal("300.00"),
    )
    sac = sentence_of(
        person,
        "SENIOR_ATTENDANCE_CENTRE",
        sentence_date=datetime.date(2015, 3, 2),
        offence_date=OFFENCE,
    )
    charge = line(contract, "2015-03", "ATTENDANCE_CENTRE", "SAC:2015-03", "300.00", payer="MOJ")
    ChargedOrder.objects.create(
        entry=charge,
        person=person,
        sentence=sac,
        hours=24,
        price=Decimal("12.50"),
        amount=Decimal("300.00"),
    )
    client.force_login(_finance())
    page = client.get(_line_url(contract, invoice)).content.decode()
    assert 'data-kind="deliveries"' in page and "PO-77" in page and person.crn in page
    assert person.full_name not in page
    rows = _csv(client.get(_line_url(contract, invoice), {"format": "csv"}))
    assert tuple(rows[0]) == exports.DELIVERIES_COLUMNS
    assert rows[1] == [
        str(delivery.pk),
        "2015-03-09",
        "PO-77",
        "programme",
        person.crn,
        "",
        "2.00",
        "150.00",
        "300.00",
    ]
    page = client.get(_line_url(contract, charge)).content.decode()
    assert 'data-kind="orders"' in page and f"{person.crn}/{sac.number}" in page
    rows = _csv(client.get(_line_url(contract, charge), {"format": "csv"}))
    assert tuple(rows[0]) == exports.ORDERS_COLUMNS
    assert rows[1] == [
        person.crn,
        "",
        f"{person.crn}/{sac.number}",
        "2015-03-02",
        "24",
        "12.50",
        "300.00",
    ]


def test_an_instalment_counted_nobody(client, line):
    contract = contract_of("CRC11", year=1)
    entry = line(
        contract,
        "2015-03",
        "FFS_INSTALMENT",
        "FFS:2015-03",
        "833333.33",
        detail={"annual_ffs": "10000000.00", "instalment": 2},
    )
    client.force_login(_finance())
    page = client.get(_line_url(contract, entry)).content.decode()
    assert 'data-testid="evidence"' not in page and "annual_ffs" in page
    assert client.get(_line_url(contract, entry), {"format": "csv"}).status_code == 404


def test_members_are_paginated_and_the_csv_has_them_all(client, line, settings):
    contract = contract_of("CRC11", year=1)
    people = [person_of("CRC11") for _ in range(53)]
    entry = _cohort(line, contract, people, reoffending=people[:2])
    client.force_login(_noms())
    first = client.get(_line_url(contract, entry)).content.decode()
    second = client.get(_line_url(contract, entry), {"page": "2"}).content.decode()
    assert first.count('data-testid="evidence-row"') == 50
    assert second.count('data-testid="evidence-row"') == 3
    assert 'class="govuk-pagination"' in first and "page=2" in first
    rows = _csv(client.get(_line_url(contract, entry), {"format": "csv"}))
    assert tuple(rows[0]) == exports.MEMBERS_COLUMNS
    assert sorted(r[0] for r in rows[1:]) == sorted(p.crn for p in people)
    counted = [r for r in rows[1:] if r[8] == "1"]
    assert len(counted) == 2
    assert all(re.fullmatch(r"2015-06-01/2015-07-31/TH68010", r[9]) for r in counted)


@pytest.mark.parametrize("user", ["noms", "crc-manager", "finance"])
def test_the_line_page_costs_the_same_queries_for_3_members_or_30(client, line, user):
    contract = contract_of("CRC11", year=1)
    reader = {
        "noms": _noms,
        "crc-manager": lambda: staff("CRC_MANAGER", "CRC11"),
        "finance": _finance,
    }[user]()
    client.force_login(reader)

    def queries(entry):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(_line_url(contract, entry)).status_code == 200
        return len(captured)

    few = [person_of("CRC11") for _ in range(3)]
    small = _cohort(line, contract, few, reoffending=few[:1])
    many = [person_of("CRC11") for _ in range(15)] + [person_of("CRC20") for _ in range(15)]
    large = _cohort(line, contract, many, reoffending=many[::3], key="PBR_BINARY:Y1-Q2")
    assert large.members.count() == 30
    assert queries(small) == queries(large)


def test_a_line_of_another_contract_is_404(client, line):
    own = contract_of("CRC11", year=1)
    other = contract_of("CRC11", year=2)
    entry = line(other, "2016-03", "FFS_INSTALMENT", "FFS:2016-03", "1.00")
    client.force_login(_finance())
    assert client.get(reverse("contracts:ledger-line", args=[own.pk, entry.pk])).status_code == 404
    assert (
        client.get(reverse("contracts:ledger-line", args=[other.pk, entry.pk])).status_code == 200
    )


# --- Reversing a line -----------------------------------------------------------------------


def _reverse_url(contract, entry):
    return reverse("contracts:ledger-reverse", args=[contract.pk, entry.pk])


def _summary(page):
    match = re.search(r'govuk-error-summary__list">(.*?)</ul>', page, re.S)
    return match.group(1) if match else ""


def test_noms_reverse_a_line_with_a_reason(client, line):
    contract = contract_of("CRC11", year=1)
    entry = line(contract, "2015-03", "FFS_INSTALMENT", "FFS:2015-03", "833333.33")
    noms = _noms()
    client.force_login(noms)
    assert "Reverse this line" in client.get(_line_url(contract, entry)).content.decode()
    page = client.post(_reverse_url(contract, entry), {"reason": "  "}).content.decode()
    assert "Enter why the line is reversed" in _summary(page)
    assert not LedgerEntry.objects.filter(reverses=entry).exists()
    response = client.post(_reverse_url(contract, entry), {"reason": "Paid on the wrong bid"})
    reversal = LedgerEntry.objects.get(reverses=entry)
    assert response.status_code == 302 and response.url == _line_url(contract, reversal)
    assert reversal.amount == Decimal("-833333.33") and reversal.created_by == noms
    assert reversal.reason == "Paid on the wrong bid"
    assert AuditEvent.objects.filter(
        action="CREATE", object_type="contracts.ledgerentry", object_id=str(reversal.pk)
    ).exists()
    again = client.post(_reverse_url(contract, entry), {"reason": "Twice"}).content.decode()
    assert "This line has already been reversed." in _summary(again)
    of_reversal = client.post(_reverse_url(contract, reversal), {"reason": "Undo"})
    assert "A reversal cannot itself be reversed." in _summary(of_reversal.content.decode())
    assert LedgerEntry.objects.filter(contract=contract).count() == 2
    page = client.get(_line_url(contract, entry)).content.decode()
    assert "Reverse this line" not in page and f"line {reversal.pk}" in page


def test_crc_staff_cannot_reverse_and_another_crcs_line_is_404(client, line):
    own = contract_of("CRC11", year=1)
    theirs = contract_of("CRC20", year=1)
    own_line = line(own, "2015-03", "FFS_INSTALMENT", "FFS:2015-03", "1.00")
    their_line = line(theirs, "2015-03", "FFS_INSTALMENT", "FFS:2015-03", "1.00")
    for user in (_finance(), staff("CRC_MANAGER", "CRC11")):
        client.force_login(user)
        assert "Reverse this line" not in client.get(_line_url(own, own_line)).content.decode()
        assert client.get(_reverse_url(own, own_line)).status_code == 403
        assert client.post(_reverse_url(own, own_line), {"reason": "x"}).status_code == 403
        assert client.get(_reverse_url(theirs, their_line)).status_code == 404
        assert client.post(_reverse_url(theirs, their_line), {"reason": "x"}).status_code == 404
    assert not LedgerEntry.objects.filter(reverses__isnull=False).exists()
