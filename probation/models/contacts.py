"""Contacts: appointments with, and other records of contact about, a person on probation
(DOMAIN.md 11; National Standards 2011 record keeping)."""

from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords


class ContactType(models.TextChoices):
    OFFICE_APPOINTMENT = "OFFICE_APPOINTMENT", "Office appointment"
    HOME_VISIT = "HOME_VISIT", "Home visit"
    PHONE_CALL = "PHONE_CALL", "Phone call"
    VIDEO_CALL = "VIDEO_CALL", "Video call"
    UNPAID_WORK_SESSION = "UNPAID_WORK_SESSION", "Unpaid work session"
    RAR_SESSION = "RAR_SESSION", "Rehabilitation activity session"
    PROGRAMME_SESSION = "PROGRAMME_SESSION", "Programme session"
    THREE_WAY_MEETING = "THREE_WAY_MEETING", "Three-way meeting"
    PARTNER_CONTACT = "PARTNER_CONTACT", "Contact with a partner agency"
    LETTER_OR_EMAIL = "LETTER_OR_EMAIL", "Letter or email"
    NOTE = "NOTE", "Case note"


# Types that are appointments the person must keep: they get an outcome and count for
# compliance and enforcement.
APPOINTMENT_TYPES = frozenset(
    {
        ContactType.OFFICE_APPOINTMENT,
        ContactType.HOME_VISIT,
        ContactType.VIDEO_CALL,
        ContactType.UNPAID_WORK_SESSION,
        ContactType.RAR_SESSION,
        ContactType.PROGRAMME_SESSION,
        ContactType.THREE_WAY_MEETING,
    }
)


class Outcome(models.TextChoices):
    ATTENDED_COMPLIED = "ATTENDED_COMPLIED", "Attended – complied"
    ATTENDED_FAILED_TO_COMPLY = "ATTENDED_FAILED_TO_COMPLY", "Attended – failed to comply"
    ACCEPTABLE_ABSENCE = "ACCEPTABLE_ABSENCE", "Acceptable absence"
    UNACCEPTABLE_ABSENCE = "UNACCEPTABLE_ABSENCE", "Unacceptable absence"
    RESCHEDULED = "RESCHEDULED", "Rescheduled"


# Outcomes that are a failure to comply (they open an enforcement decision, issue 6).
FAILURE_OUTCOMES = frozenset({Outcome.ATTENDED_FAILED_TO_COMPLY, Outcome.UNACCEPTABLE_ABSENCE})
ATTENDED_OUTCOMES = frozenset({Outcome.ATTENDED_COMPLIED, Outcome.ATTENDED_FAILED_TO_COMPLY})


class Contact(models.Model):
    person = models.ForeignKey(
        "probation.Person", on_delete=models.CASCADE, related_name="contacts"
    )
    sentence = models.ForeignKey(
        "probation.Sentence",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        db_comment="The sentence the contact is about, if any",
    )
    requirement = models.ForeignKey(
        "probation.Requirement",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="contacts",
        db_comment="The requirement the contact counts toward (unpaid work hours, RAR days)",
    )
    contact_type = models.CharField(max_length=32, choices=ContactType.choices)
    starts_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    staff = models.ForeignKey(
        "probation.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        db_comment="The member of staff who holds the appointment or made the contact",
    )
    outcome = models.CharField(
        max_length=32, choices=Outcome.choices, blank=True, db_comment="Empty until recorded"
    )
    absence_reason = models.CharField(
        max_length=300, blank=True, db_comment="Why an absence was accepted"
    )
    notes = models.TextField(blank=True)
    unpaid_work_hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        null=True,
        blank=True,
        db_comment="Hours credited toward the unpaid work requirement",
    )
    counts_as_rar_day = models.BooleanField(
        "counts as a RAR day",
        default=False,
        db_comment="Credited as one rehabilitation activity day",
    )
    recorded_by = models.ForeignKey("probation.User", on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["person", "-starts_at"]
        db_table_comment = "Contacts and appointments (National Standards record keeping)"
        indexes = [
            models.Index(fields=["person", "starts_at"], name="contact_person_time_idx"),
            models.Index(
                fields=["person", "starts_at"],
                condition=Q(outcome=""),
                name="contact_outstanding_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                name="contact_absence_reason_only_when_acceptable",
                condition=Q(outcome="ACCEPTABLE_ABSENCE") | Q(absence_reason=""),
            ),
            models.CheckConstraint(
                name="contact_unpaid_work_hours_positive",
                condition=Q(unpaid_work_hours__isnull=True) | Q(unpaid_work_hours__gt=0),
            ),
        ]

    def __str__(self):
        return f"{self.get_contact_type_display()} with {self.person.crn} at {self.starts_at}"

    @property
    def is_appointment(self):
        return self.contact_type in APPOINTMENT_TYPES
