"""Audit events are append-only for every database client, not only the ORM.

On PostgreSQL a row trigger refuses UPDATE and DELETE on the audit table. (TRUNCATE, which
only the test framework's flush uses, is a table-level statement and is not affected.)
SQLite, the embedded development default, relies on the model and queryset guards.
"""

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION probation_audit_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only (% refused)', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER probation_auditevent_append_only
    BEFORE UPDATE OR DELETE ON probation_auditevent
    FOR EACH ROW EXECUTE FUNCTION probation_audit_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS probation_auditevent_append_only ON probation_auditevent;
DROP FUNCTION IF EXISTS probation_audit_append_only();
"""


def create_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE, params=None)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP, params=None)


class Migration(migrations.Migration):
    dependencies = [("probation", "0001_initial")]
    operations = [migrations.RunPython(create_trigger, drop_trigger)]
