"""Published open-data tables are immutable in the database, not only in the models: on
PostgreSQL a trigger refuses any UPDATE or DELETE of a published table or figure. (SQLite,
the embedded default, relies on the models.)"""

from django.db import migrations

TABLES = ("performance_publishedtable", "performance_publishedfigure")

FUNCTION = """
CREATE OR REPLACE FUNCTION performance_published_immutable() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'published tables are immutable: % on % refused (publish a new version)',
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
            f"CREATE TRIGGER {table}_immutable BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION performance_published_immutable()"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for table in TABLES:
        schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_immutable ON {table}")
    schema_editor.execute("DROP FUNCTION IF EXISTS performance_published_immutable()")


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial")]
    operations = [migrations.RunPython(create, drop)]
