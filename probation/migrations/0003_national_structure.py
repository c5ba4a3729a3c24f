"""Reference data: NOMS and PPCS, the NPS with its divisions, and TOM Annex D's CRCs,
LDU clusters and LDUs (probation/reference/annex_d.csv)."""

from django.db import migrations


def load(apps, schema_editor):
    from probation.reference import load_national_structure

    load_national_structure(apps.get_model("probation", "Organisation"))


class Migration(migrations.Migration):
    dependencies = [("probation", "0002_audit_append_only")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
