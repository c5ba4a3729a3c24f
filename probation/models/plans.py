"""The plan for a case (DOMAIN.md 5): risk of serious harm, needs, likelihood of
reoffending, objectives and review. Each change is a new version, never an edit, so the
plan as it stood on any date can be shown."""

from django.db import models
from django.db.models import Q


class RiskLevel(models.TextChoices):
    LOW = "LOW", "Low"
    MEDIUM = "MEDIUM", "Medium"
    HIGH = "HIGH", "High"
    VERY_HIGH = "VERY_HIGH", "Very high"


class ReoffendingLikelihood(models.TextChoices):
    LOW = "LOW", "Low"
    MEDIUM = "MEDIUM", "Medium"
    HIGH = "HIGH", "High"
    VERY_HIGH = "VERY_HIGH", "Very high"


class Need(models.TextChoices):
    ACCOMMODATION = "ACCOMMODATION", "Accommodation"
    EMPLOYMENT = "EMPLOYMENT", "Education, training and employment"
    FINANCE = "FINANCE", "Finance"
    RELATIONSHIPS = "RELATIONSHIPS", "Relationships"
    LIFESTYLE = "LIFESTYLE", "Lifestyle and associates"
    DRUGS = "DRUGS", "Drug misuse"
    ALCOHOL = "ALCOHOL", "Alcohol misuse"
    THINKING = "THINKING", "Thinking and behaviour"
    ATTITUDES = "ATTITUDES", "Attitudes"
    HEALTH = "HEALTH", "Health and emotional well-being"


class PlanVersion(models.Model):
    person = models.ForeignKey(
        "probation.Person", on_delete=models.CASCADE, related_name="plan_versions"
    )
    version = models.PositiveIntegerField(db_comment="1 for the first plan, then 2, 3 ...")
    effective_from = models.DateTimeField(db_comment="When this version replaced the one before")
    rosh_level = models.CharField("risk of serious harm", max_length=16, choices=RiskLevel.choices)
    rosh_assessed_on = models.DateField("date of the RoSH assessment")
    rosh_assessor = models.CharField(
        "RoSH assessed by", max_length=200, db_comment="Who assessed the risk of serious harm"
    )
    risk_management = models.TextField(
        blank=True, db_comment="How the risk of serious harm is managed"
    )
    needs = models.JSONField(default=list, blank=True, db_comment="Need codes (plans.Need)")
    reoffending_likelihood = models.CharField(
        "likelihood of reoffending", max_length=16, choices=ReoffendingLikelihood.choices
    )
    objectives = models.TextField()
    sentence_delivery = models.TextField(
        blank=True, db_comment="How the sentence will be delivered"
    )
    review_date = models.DateField()
    created_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["person", "-version"]
        db_table_comment = "Versions of case plans; the newest is the current plan"
        get_latest_by = "version"
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="plan_version_per_person"),
            models.CheckConstraint(name="plan_version_positive", condition=Q(version__gte=1)),
        ]
        indexes = [models.Index(fields=["person", "-effective_from"], name="plan_as_at_idx")]

    def __str__(self):
        return f"Plan v{self.version} of {self.person.crn}"


class RsrSource(models.TextChoices):
    OASYS = "OASYS", "OASys assessment"
    PRE_SENTENCE_REPORT = "PRE_SENTENCE_REPORT", "Pre-sentence report"
    POST_SENTENCE_INTERVIEW = "POST_SENTENCE_INTERVIEW", "Post-sentence interview"
    STATIC_FACTORS = "STATIC_FACTORS", "Static factors only"


class RsrScore(models.Model):
    """A Risk of Serious Recidivism score (DOMAIN.md 4): the probability, as a percentage,
    of a seriously harmful reoffence within 12 months, with the date it was calculated and
    what it was calculated from. Scores are added, never edited; the newest is current."""

    person = models.ForeignKey(
        "probation.Person", on_delete=models.CASCADE, related_name="rsr_scores"
    )
    score = models.DecimalField(max_digits=5, decimal_places=2, db_comment="Percentage, 0–100")
    assessed_on = models.DateField(db_comment="When the score was calculated")
    source = models.CharField(max_length=32, choices=RsrSource.choices)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["person", "-assessed_on", "-recorded_at"]
        db_table_comment = "Risk of Serious Recidivism scores; the newest is current"
        constraints = [
            models.CheckConstraint(
                name="rsr_score_is_a_percentage", condition=Q(score__gte=0) & Q(score__lte=100)
            ),
        ]
        indexes = [
            models.Index(fields=["person", "-assessed_on", "-recorded_at"], name="rsr_current_idx")
        ]

    def __str__(self):
        return f"RSR {self.score}% of {self.person.crn} on {self.assessed_on}"
