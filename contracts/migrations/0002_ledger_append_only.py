"""The ledger is append-only in the database, not only in ``LedgerEntry.save``: on
PostgreSQL a trigger refuses any UPDATE or DELETE of a ledger line and of the rows that
record what a line counted. (SQLite, the embedded default, relies on the model.)"""

from django.db import migrations

TABLES = (
    "contracts_ledgerentry",
    "contracts_wavstart",
    "contracts_cohortmember",
    "contracts_countedreoffence",
    "contracts_invoiceddelivery",
    "contracts_chargedorder",
)

FUNCTION = """
CREATE OR REPLACE FUNCTION contracts_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'the payment ledger is append-only: % on % refused (reverse the line)',
        TG_OP, TG_TABLE_NAME USING ERRCODE = 'integrity_constraint_violation';
END;
$$ LANGUAGE plpgsql;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(FUNCTION, params=None)
    for table in TABLES:
        schema_editor.execute(
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION contracts_append_only()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS contracts_append_only()")


class Migration(migrations.Migration):
    dependencies = [("contracts", "0001_contracts_ledger")]
    operations = [migrations.RunPython(create, drop)]
