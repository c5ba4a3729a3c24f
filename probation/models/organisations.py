"""The national structure: NOMS, the NPS and its divisions, LDU clusters and LDUs, the CRCs.

Reference data loaded from Annex D of the Target Operating Model (DOMAIN.md 1) by a data
migration; codes are stable identifiers used by the API, exports and partner systems.
"""

from django.db import models
from simple_history.models import HistoricalRecords


class OrganisationKind(models.TextChoices):
    NOMS = "NOMS", "National Offender Management Service"
    NOMS_UNIT = "NOMS_UNIT", "NOMS unit"
    NPS = "NPS", "National Probation Service"
    NPS_DIVISION = "NPS_DIVISION", "NPS division"
    LDU_CLUSTER = "LDU_CLUSTER", "LDU cluster"
    LDU = "LDU", "Local Delivery Unit"
    CRC = "CRC", "Community Rehabilitation Company"
    PRISON = "PRISON", "Prison"


NPS_KINDS = (
    OrganisationKind.NPS,
    OrganisationKind.NPS_DIVISION,
    OrganisationKind.LDU_CLUSTER,
    OrganisationKind.LDU,
)
NOMS_KINDS = (OrganisationKind.NOMS, OrganisationKind.NOMS_UNIT)

NPS_CODE = "NPS"
NOMS_CODE = "NOMS"
PPCS_CODE = "PPCS"


class OrganisationQuerySet(models.QuerySet):
    def crcs(self):
        return self.filter(kind=OrganisationKind.CRC).order_by("cpa_number")

    def divisions(self):
        return self.filter(kind=OrganisationKind.NPS_DIVISION).order_by("code")

    def ldus(self):
        return self.filter(kind=OrganisationKind.LDU)


class Organisation(models.Model):
    code = models.CharField(
        max_length=16, unique=True, db_comment="Stable identifier, e.g. CRC11, NPS-WAL, LDU1103"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=OrganisationKind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        db_comment="NPS -> division -> LDU cluster -> LDU; NOMS -> its units",
    )
    cpa_number = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        unique=True,
        db_comment="Contract Package Area number 1-21 (CRCs only, TOM Annex D)",
    )
    division = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="For clusters and LDUs: the NPS division or directorate above them",
    )
    crc = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="ldus",
        db_comment="For LDUs: the CRC of the Contract Package Area the LDU lies in",
    )
    active = models.BooleanField(default=True)

    history = HistoricalRecords()
    objects = OrganisationQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        db_table_comment = "Organisations of the probation system (TOM 3, 4 and Annex D)"
        constraints = [
            models.CheckConstraint(
                name="organisation_cpa_only_for_crc",
                condition=(
                    models.Q(kind=OrganisationKind.CRC, cpa_number__gte=1, cpa_number__lte=21)
                    | (~models.Q(kind=OrganisationKind.CRC) & models.Q(cpa_number__isnull=True))
                ),
            ),
            models.CheckConstraint(
                name="organisation_ldu_has_cluster_division_crc",
                condition=(
                    ~models.Q(kind=OrganisationKind.LDU)
                    | models.Q(parent__isnull=False, division__isnull=False, crc__isnull=False)
                ),
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def is_crc(self):
        return self.kind == OrganisationKind.CRC

    @property
    def is_nps(self):
        return self.kind in NPS_KINDS

    @property
    def is_noms(self):
        return self.kind in NOMS_KINDS

    @property
    def cluster(self):
        return self.parent if self.kind == OrganisationKind.LDU else None

    @property
    def provider_code(self):
        """The provider this organisation belongs to: ``NPS``, a CRC code or ``NOMS``."""
        if self.is_nps:
            return NPS_CODE
        if self.is_noms:
            return NOMS_CODE
        return self.code


class Team(models.Model):
    """A team of probation staff, belonging to the NPS or a CRC and based in one LDU."""

    name = models.CharField(max_length=200)
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="teams",
        db_comment="The NPS division or the CRC the team belongs to",
    )
    ldu = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="based_teams",
        limit_choices_to={"kind": OrganisationKind.LDU},
    )

    class Meta:
        ordering = ["name"]
        db_table_comment = "Teams of probation staff, one LDU each"
        constraints = [
            models.UniqueConstraint(fields=["organisation", "ldu", "name"], name="team_unique_name")
        ]

    def __str__(self):
        return self.name
