"""Reference data: the national structure of TOM Annex D, loaded by a data migration.

``annex_d.csv`` holds one row per NPS Local Delivery Unit with its LDU cluster, NPS
division and the CRC (CPA) it lies in, transcribed from Annex D of the Target Operating
Model (May 2014). Codes are stable identifiers: CRCs ``CRC01``-``CRC21`` by CPA number,
divisions ``NPS-<code>``, clusters ``CL<cpa><letter>`` and LDUs ``LDU<cpa><nn>``.
"""

import csv
from pathlib import Path

ANNEX_D = Path(__file__).with_name("annex_d.csv")

NOMS = ("NOMS", "National Offender Management Service")
NOMS_UNITS = (("PPCS", "Public Protection Casework Section"),)
NPS = ("NPS", "National Probation Service")
# The six English divisions and the Wales directorate (DOMAIN.md 1).
DIVISIONS = {
    "NE": "North East",
    "NW": "North West",
    "MID": "Midlands",
    "LON": "London",
    "SEE": "South East and Eastern",
    "SWSC": "South West and South Central",
    "WAL": "Wales",
}


def division_code(short: str) -> str:
    return f"NPS-{short}"


def crc_code(cpa_number: int) -> str:
    return f"CRC{cpa_number:02d}"


def annex_d_rows() -> list[dict]:
    with ANNEX_D.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["cpa_number"] = int(row["cpa_number"])
    return rows


def load_national_structure(Organisation) -> dict:
    """Create or update every organisation of the national structure. Idempotent: running
    it again changes nothing. ``Organisation`` may be the migration's historical model."""

    def upsert(code, **fields):
        organisation, _ = Organisation.objects.update_or_create(code=code, defaults=fields)
        return organisation

    noms = upsert(NOMS[0], name=NOMS[1], kind="NOMS", parent=None)
    for code, name in NOMS_UNITS:
        upsert(code, name=name, kind="NOMS_UNIT", parent=noms)
    nps = upsert(NPS[0], name=NPS[1], kind="NPS", parent=None)
    divisions = {
        short: upsert(division_code(short), name=name, kind="NPS_DIVISION", parent=nps)
        for short, name in DIVISIONS.items()
    }
    rows = annex_d_rows()
    crcs = {}
    for row in rows:
        number = row["cpa_number"]
        if number not in crcs:
            crcs[number] = upsert(
                crc_code(number),
                name=f"{row['crc_name']} CRC",
                kind="CRC",
                cpa_number=number,
                parent=None,
            )
    clusters = {}
    for row in rows:
        code = row["cluster_code"]
        if code not in clusters:
            division = divisions[row["division_code"]]
            clusters[code] = upsert(
                code,
                name=row["cluster_name"],
                kind="LDU_CLUSTER",
                parent=division,
                division=division,
                # A cluster may span two CPAs (Coventry, Solihull & Warwickshire lies in
                # CPAs 9 and 12), so only its LDUs name a CRC.
                crc=None,
            )
    for row in rows:
        cluster = clusters[row["cluster_code"]]
        upsert(
            row["ldu_code"],
            name=row["ldu_name"],
            kind="LDU",
            parent=cluster,
            division=divisions[row["division_code"]],
            crc=crcs[row["cpa_number"]],
        )
    return {"crcs": len(crcs), "clusters": len(clusters), "ldus": len(rows)}
