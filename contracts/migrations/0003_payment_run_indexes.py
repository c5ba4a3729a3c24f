"""Indexes for the monthly payment run's reads of ``probation_sentence`` (its own tables are
indexed in 0001).

Each CRC part reads its CRC's starts and cohort entries in a period
(``contracts.volumes``, ``contracts.cohorts``: ``pbr_provider`` and a sentence or release
date) and its Senior Attendance Centre orders of the month (``contracts.rate_cards``). With
only the ``pbr_provider`` index each of those reads visits every sentence of the CRC (about
30,000 at national scale, spread over the whole table) to keep a few hundred; with these
partial indexes it visits the rows it keeps. Partial (the sentence types each read is for),
so they stay small, and plain SQL owned by this app: the queries are the payment run's, not
the sentence model's. PostgreSQL and SQLite both have partial indexes.
"""

from django.db import migrations

INDEXES = {
    "contracts_pbr_order_starts_idx": (
        "(pbr_provider_id, sentence_date)"
        " WHERE sentence_type IN ('COMMUNITY_ORDER', 'SUSPENDED_SENTENCE_ORDER')"
    ),
    "contracts_pbr_releases_idx": (
        "(pbr_provider_id, actual_release_date) WHERE sentence_type = 'CUSTODIAL'"
    ),
    "contracts_attendance_centre_idx": (
        "(sentence_date) WHERE sentence_type = 'SENIOR_ATTENDANCE_CENTRE'"
    ),
}


class Migration(migrations.Migration):
    dependencies = [
        ("contracts", "0002_ledger_append_only"),
        ("probation", "0010_prison_organisations"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE INDEX IF NOT EXISTS {name} ON probation_sentence {definition}",
            reverse_sql=f"DROP INDEX IF EXISTS {name}",
        )
        for name, definition in INDEXES.items()
    ]
