"""KPO providers, what they offer, who works there, and who might."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kpo.accounts.models import validate_time_zone
from kpo.core.fields import country_field, currency_check, currency_field, money_field
from kpo.core.models import KpoModel, TimeStampedModel

from .choices import CandidateSource, CandidateStage, CertificationStandard, StaffRole


class ServiceLine(KpoModel):
    """A kind of knowledge work: legal research, financial analysis, market research, ..."""

    code = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100, unique=True)
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Provider(TimeStampedModel):
    """A KPO firm that delivers engagements."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.PROTECT, related_name="provider"
    )
    name = models.CharField(max_length=200, unique=True)
    country = country_field()
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    languages = models.CharField(
        max_length=200, blank=True, help_text=_("Comma-separated, e.g. English, Hindi")
    )
    headcount = models.PositiveIntegerField(default=0, help_text=_("Delivery capacity in people."))
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)
    service_lines = models.ManyToManyField(ServiceLine, related_name="providers", blank=True)
    default_calendar = models.ForeignKey(
        "sla.BusinessCalendar", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["name"]
        indexes = [models.Index(fields=["country"], name="provider_country_idx")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("providers:detail", args=[self.pk])


class ProviderSite(KpoModel):
    """A delivery centre of a provider."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="sites")
    city = models.CharField(max_length=100)
    country = country_field()
    headcount = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["provider", "city"]
        constraints = [models.UniqueConstraint(fields=["provider", "city", "country"], name="site_unique")]

    def __str__(self) -> str:
        return f"{self.provider} – {self.city}, {self.country}"


class Certification(KpoModel):
    """A recognised standard a provider holds, checked at matching time (expiry matters)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="certifications")
    standard = models.CharField(max_length=16, choices=CertificationStandard.choices)
    certificate_number = models.CharField(max_length=100, blank=True)
    issued_on = models.DateField()
    expires_on = models.DateField()

    class Meta:
        ordering = ["provider", "standard"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "standard"], name="certification_unique_standard"),
            models.CheckConstraint(
                condition=Q(expires_on__gt=models.F("issued_on")), name="certification_expiry_after_issue"
            ),
        ]
        indexes = [models.Index(fields=["standard", "expires_on"], name="certification_valid_idx")]

    def __str__(self) -> str:
        return f"{self.get_standard_display()} ({self.provider}, until {self.expires_on})"

    def is_valid_on(self, day) -> bool:
        return self.issued_on <= day < self.expires_on


class RateCard(KpoModel):
    """A provider's hourly rates per staff role, in one currency, for a validity window."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="rate_cards")
    name = models.CharField(max_length=100)
    currency = currency_field()
    valid_from = models.DateField()
    valid_until = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["provider", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["provider", "valid_from"], name="ratecard_unique_start"),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="ratecard_window_valid",
            ),
            currency_check("currency", "ratecard_currency_iso"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} – {self.name} ({self.currency})"


class RateCardEntry(KpoModel):
    rate_card = models.ForeignKey(RateCard, on_delete=models.CASCADE, related_name="entries")
    role = models.CharField(max_length=32, choices=StaffRole.choices)
    hourly_rate = money_field("hourly rate")

    class Meta:
        ordering = ["rate_card", "role"]
        verbose_name_plural = _("rate card entries")
        constraints = [
            models.UniqueConstraint(fields=["rate_card", "role"], name="ratecardentry_unique_role"),
            models.CheckConstraint(condition=Q(hourly_rate__gt=0), name="ratecardentry_rate_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: {self.hourly_rate} {self.rate_card.currency}/h"


class TeamMember(TimeStampedModel):
    """A person on a provider's delivery team; may have a login (a provider analyst)."""

    provider = models.ForeignKey(Provider, on_delete=models.CASCADE, related_name="team_members")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="team_member"
    )
    full_name = models.CharField(max_length=150)
    role = models.CharField(max_length=32, choices=StaffRole.choices, default=StaffRole.ANALYST)
    skills = models.CharField(max_length=300, blank=True, help_text=_("Comma-separated skills."))
    languages = models.CharField(max_length=200, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["provider", "full_name"]
        indexes = [models.Index(fields=["provider", "is_active"], name="teammember_provider_idx")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.provider})"


class Consultant(TimeStampedModel):
    """A consultant's profile; their kinds (executive, analyst, broker, recruiter) are membership roles."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="consultant")
    headline = models.CharField(max_length=200, blank=True)
    bio = models.TextField(blank=True)
    service_lines = models.ManyToManyField(ServiceLine, related_name="consultants", blank=True)

    class Meta:
        ordering = ["user__full_name"]

    def __str__(self) -> str:
        return str(self.user)


def resume_upload_to(instance: "Candidate", filename: str) -> str:
    import uuid
    from pathlib import Path

    # Server-generated names: the uploader's file name never reaches the file system.
    return f"resumes/{uuid.uuid4().hex}{Path(filename).suffix.lower()[:10]}"


class Candidate(TimeStampedModel):
    """A person being recruited for a provider's team; a hire becomes a TeamMember."""

    full_name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    phone = models.CharField(max_length=40, blank=True)
    resume = models.FileField(upload_to=resume_upload_to, blank=True)
    skills = models.CharField(max_length=300, blank=True)
    education = models.CharField(max_length=300, blank=True)
    source = models.CharField(max_length=16, choices=CandidateSource.choices)
    stage = models.CharField(max_length=16, choices=CandidateStage.choices, default=CandidateStage.SOURCED)
    notes = models.TextField(blank=True)
    provider = models.ForeignKey(
        Provider,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="candidates",
        help_text=_("The provider the candidate is recruited for."),
    )
    recruiter = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="candidates"
    )
    team_member = models.OneToOneField(
        TeamMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="hired_from"
    )

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(stage__in=CandidateStage.values), name="candidate_stage_valid"
            ),
            # Only a hire is linked to a team member.
            models.CheckConstraint(
                condition=Q(stage=CandidateStage.HIRED) | Q(team_member__isnull=True),
                name="candidate_team_member_only_when_hired",
            ),
        ]
        indexes = [models.Index(fields=["recruiter", "stage"], name="candidate_recruiter_idx")]

    def __str__(self) -> str:
        return f"{self.full_name} ({self.get_stage_display()})"

    def get_absolute_url(self) -> str:
        return reverse("providers:candidate-detail", args=[self.pk])
