"""Performance facts and published tables (DOMAIN.md 10; issue 9).

``Fact``: one figure of one measure (``performance.measures.MEASURES``) for one
organisation and month – a CRC or the NPS as a whole (provider level), an NPS division (the
NPS's cases in its LDUs) or an LDU (every case in it) – with its numerator and denominator.
Facts are materialised by ``performance.facts.refresh`` (the nightly beat job); the cases
behind a figure are listed by running the measure's query again for the organisation and
month (``performance.drilldown``), so a figure and its cases come from one definition.

``FactsMonth``: when a month's facts were last computed and against which audit trail
position, so the job recomputes only the months whose facts may have changed.

``PublishedTable`` and ``PublishedFigure``: the open-data performance tables, per quarter,
published by a NOMS user and never changed afterwards (a correction is a new version). On
PostgreSQL a trigger refuses UPDATE and DELETE of both (migration 0002).
"""

from django.db import models


class Fact(models.Model):
    month = models.DateField(db_comment="First day of the month measured")
    measure = models.CharField(max_length=40, db_comment="Code in performance.measures.MEASURES")
    organisation = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    breakdown = models.CharField(
        max_length=40,
        blank=True,
        default="",
        db_comment="Empty for the whole figure; else the part it counts, e.g. a sentence type",
    )
    numerator = models.BigIntegerField(
        db_comment="The count (or, for money measures, pennies) the figure reports"
    )
    denominator = models.BigIntegerField(
        null=True, blank=True, db_comment="What the numerator is a share of; empty for counts"
    )
    computed_at = models.DateTimeField()

    class Meta:
        ordering = ["month", "measure", "organisation_id", "breakdown"]
        db_table_comment = "Monthly performance figures per CRC, NPS, NPS division and LDU"
        constraints = [
            models.UniqueConstraint(
                fields=["month", "measure", "organisation", "breakdown"], name="fact_unique"
            ),
            models.CheckConstraint(
                name="fact_counts_not_negative",
                condition=models.Q(numerator__gte=0)
                & (models.Q(denominator__isnull=True) | models.Q(denominator__gte=0)),
            ),
        ]
        indexes = [
            models.Index(fields=["organisation", "measure", "month"], name="fact_org_measure_idx"),
        ]

    def __str__(self):
        return f"{self.measure} {self.month:%Y-%m} {self.organisation_id} {self.breakdown}"

    @property
    def rate(self):
        """numerator ÷ denominator as a float; None for counts and empty denominators."""
        if not self.denominator:
            return None
        return self.numerator / self.denominator


class FactsMonth(models.Model):
    month = models.DateField(unique=True)
    computed_at = models.DateTimeField()
    source_mark = models.BigIntegerField(
        default=0,
        db_comment="The last case-data audit event id when the month was computed",
    )
    changed_at = models.DateTimeField(
        null=True, blank=True, db_comment="When a recomputation last changed a figure"
    )
    facts = models.PositiveIntegerField(default=0, db_comment="How many facts the month has")
    changed = models.PositiveIntegerField(
        default=0, db_comment="Facts added, changed or removed by the last computation"
    )

    class Meta:
        ordering = ["month"]
        db_table_comment = "When each month's performance facts were computed"

    def __str__(self):
        return f"{self.month:%Y-%m}"


class PublishedTable(models.Model):
    quarter = models.DateField(db_comment="First day of the calendar quarter published")
    version = models.PositiveSmallIntegerField(default=1)
    published_at = models.DateTimeField()
    published_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    notes = models.TextField(blank=True, db_comment="What the publisher says of this version")
    measures = models.JSONField(
        default=dict,
        blank=True,
        db_comment="Each measure's name, topic, unit and definition as published, so the "
        "wording of a published table never changes",
    )

    class Meta:
        ordering = ["-quarter", "-version"]
        db_table_comment = "Open-data performance tables per quarter; immutable once published"
        constraints = [
            models.UniqueConstraint(fields=["quarter", "version"], name="published_table_unique"),
        ]

    def __str__(self):
        return f"{self.quarter:%Y-%m} v{self.version}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PublishedError("A published table cannot be changed: publish a new version.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PublishedError("A published table cannot be deleted.")


class PublishedError(Exception):
    pass


class PublishedFigure(models.Model):
    table = models.ForeignKey(PublishedTable, on_delete=models.PROTECT, related_name="figures")
    organisation = models.ForeignKey(
        "probation.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    measure = models.CharField(max_length=40)
    numerator = models.CharField(
        max_length=16, db_comment="As published: a count, [c] (suppressed) or [x] (not available)"
    )
    denominator = models.CharField(max_length=16)
    value = models.CharField(max_length=16, db_comment="The rate or count as published, [c] or [x]")

    class Meta:
        ordering = ["table", "organisation__code", "measure"]
        db_table_comment = "One published figure of an open-data performance table"
        constraints = [
            models.UniqueConstraint(
                fields=["table", "organisation", "measure"], name="published_figure_unique"
            ),
        ]

    def __str__(self):
        return f"{self.table} {self.organisation_id} {self.measure}: {self.value}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise PublishedError("A published figure cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PublishedError("A published figure cannot be deleted.")
