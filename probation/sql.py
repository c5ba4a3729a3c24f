"""Set-wise writes the ORM does not offer: ``INSERT INTO ... SELECT`` from a queryset.

Batch jobs copy facts into their evidence tables (the starts a reconciliation counted, the
members of a cohort) in one statement instead of a round trip per row (STYLE.md: batch jobs
work set-wise in SQL). The SELECT is the queryset's own SQL, so its filters, joins and
annotations are the ORM's; only the column list is written here.
"""

from django.db import connection
from django.db.models import QuerySet


def insert_from(model, columns: dict[str, str], queryset: QuerySet) -> int:
    """Insert one row of ``model`` per row of ``queryset``: ``columns`` maps each field of
    ``model`` to a field or annotation of the queryset. Returns the number of rows
    inserted. Runs in the caller's transaction."""
    fields = [model._meta.get_field(name) for name in columns]
    select_sql, params = queryset.values_list(*columns.values()).query.sql_with_params()
    target = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    table = connection.ops.quote_name(model._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({target}) {select_sql}", params)
        return cursor.rowcount
