"""CSV downloads of the ledger (issue 8 part 8): a contract's month of lines, and what one
line counted. UTF-8, comma separated, one header row with the column names below; money
as plain decimals to the penny (``-1234.50``), dates ``YYYY-MM-DD``.

A month's lines (``/contracts/<id>/ledger/<YYYY-MM>/?format=csv``), ``MONTH_COLUMNS``:

- ``line``: the ledger line's id; ``month``: the month paid (``YYYY-MM``);
- ``kind``: FFS_INSTALMENT, FFS_RECONCILIATION, SERVICE_CREDIT, PBR_BINARY, PBR_FREQUENCY,
  FEE_FOR_USE or ATTENDANCE_CENTRE; ``key``: what the line pays (``FFS:2016-03``);
  ``correction``: 0 for a key's first line, +1 for each replacement;
- ``description``; ``amount``: signed, positive paid to the CRC; ``excess``: what a cap
  kept back (recorded, not paid);
- ``payer``: NOMS, MOJ, NPS, CRC or CO_COMMISSIONER; ``payer_name``: the paying
  organisation or co-commissioner, if any;
- ``reverses``: for a reversal, the id of the line it reverses; ``reversed_by``: for a
  reversed line, the id of its reversal; ``reason``: why it was reversed;
- ``created_at``: when the line was written (ISO 8601).

What one line counted (``/contracts/<id>/lines/<line>/?format=csv``), by the line's kind:
``STARTS_COLUMNS`` (a reconciliation), ``MEMBERS_COLUMNS`` (a PbR cohort; one row per
member, ``reoffences_counted`` lists the counted reoffences as
``offence date/disposal date/offence code`` separated by ``;``), ``CASES_COLUMNS`` (a
service credit), ``DELIVERIES_COLUMNS`` (fee for use) and ``ORDERS_COLUMNS`` (Senior
Attendance Centre hours). People appear by CRN and sentence reference (``CRN/number``);
``name`` is filled only for people the downloading user may see on the platform.
"""

import csv

from django.http import StreamingHttpResponse

from contracts import periods

MONTH_COLUMNS = (
    "line",
    "month",
    "kind",
    "key",
    "correction",
    "description",
    "amount",
    "excess",
    "payer",
    "payer_name",
    "reverses",
    "reversed_by",
    "reason",
    "created_at",
)
STARTS_COLUMNS = ("crn", "name", "sentence", "start_type", "start_date", "upw_hours", "weight")
MEMBERS_COLUMNS = (
    "crn",
    "name",
    "sentence",
    "pnc_number",
    "entry_type",
    "entered_on",
    "offences_before",
    "proven_before",
    "reoffences",
    "reoffences_counted",
)
CASES_COLUMNS = ("crn", "name", "reference", "met", "detail")
DELIVERIES_COLUMNS = (
    "delivery",
    "delivered_on",
    "order_reference",
    "service",
    "crn",
    "name",
    "quantity",
    "price",
    "amount",
)
ORDERS_COLUMNS = ("crn", "name", "sentence", "sentence_date", "hours", "price", "amount")


class _Echo:
    def write(self, value):
        return value


def _stream(filename: str, header, rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _payer_name(line) -> str:
    return line.payer_name or (line.payer_organisation.name if line.payer_organisation else "")


def month_csv(contract, month, lines) -> StreamingHttpResponse:
    def rows():
        for line in lines:
            reversal = getattr(line, "reversed_by", None)
            yield (
                line.pk,
                periods.month_label(line.month),
                line.kind,
                line.key,
                line.correction,
                line.description,
                line.amount,
                line.excess,
                line.payer,
                _payer_name(line),
                line.reverses_id or "",
                reversal.pk if reversal else "",
                line.reason,
                line.created_at.isoformat(),
            )

    name = f"ledger-{contract.crc.code}-Y{contract.year}-{periods.month_label(month)}.csv"
    return _stream(name, MONTH_COLUMNS, rows())


def _sentence(row) -> str:
    sentence = getattr(row, "sentence", None)
    return f"{row.person.crn}/{sentence.number}" if sentence else ""


def evidence_rows(key: str, rows, weigh=None):
    """The CSV header and rows of what a line counted (``selectors.evidence``)."""
    if key == "starts":
        return STARTS_COLUMNS, (
            (
                r.person.crn,
                r.name,
                _sentence(r),
                r.start_type,
                r.start_date.isoformat(),
                "" if r.upw_hours is None else r.upw_hours,
                weigh(r) if weigh else "",
            )
            for r in rows
        )
    if key == "members":
        return MEMBERS_COLUMNS, (
            (
                r.person.crn,
                r.name,
                _sentence(r),
                r.pnc_number,
                r.entry_type,
                r.entered_on.isoformat(),
                r.offences_before.isoformat(),
                r.proven_before.isoformat(),
                r.reoffences,
                ";".join(
                    f"{c.reoffence.offence_date:%Y-%m-%d}/{c.reoffence.disposal_date:%Y-%m-%d}"
                    f"/{c.reoffence.offence_code}"
                    for c in r.counted_reoffences.all()
                ),
            )
            for r in rows
        )
    if key == "cases":
        return CASES_COLUMNS, (
            (r.person.crn, r.name, r.reference, "yes" if r.met else "no", r.detail) for r in rows
        )
    if key == "deliveries":
        return DELIVERIES_COLUMNS, (
            (
                r.delivery_id,
                r.delivery.delivered_on.isoformat(),
                r.delivery.order.reference,
                r.delivery.order.item.service,
                r.delivery.order.person.crn if r.delivery.order.person_id else "",
                r.name,
                r.quantity,
                r.price,
                r.amount,
            )
            for r in rows
        )
    if key == "orders":
        return ORDERS_COLUMNS, (
            (
                r.person.crn,
                r.name,
                _sentence(r),
                r.sentence.sentence_date.isoformat(),
                r.hours,
                r.price,
                r.amount,
            )
            for r in rows
        )
    raise ValueError(f"No export for {key!r}")


def line_csv(contract, entry, found, weigh=None) -> StreamingHttpResponse:
    """Everything the line counted, not only a page of it (rows read in chunks)."""
    # In chunks (a cohort's counted reoffences prefetched per chunk): memory stays flat.
    header, rows = evidence_rows(found.key, found.rows.iterator(chunk_size=2000), weigh)
    name = f"ledger-line-{entry.pk}-{found.key}.csv"
    return _stream(name, header, rows)
