from django.db import models
from django.utils.translation import gettext_lazy as _


class CertificationStandard(models.TextChoices):
    ISO_27001 = "iso27001", "ISO/IEC 27001"
    ISO_9001 = "iso9001", "ISO 9001"
    SOC_2 = "soc2", "SOC 2 Type II"
    HIPAA = "hipaa", "HIPAA"
    GDPR = "gdpr", "GDPR"


class StaffRole(models.TextChoices):
    """Provider staff roles, as priced by a rate card."""

    ANALYST = "analyst", _("Analyst")
    SENIOR_ANALYST = "senior_analyst", _("Senior analyst")
    SME = "sme", _("Subject-matter expert")
    DELIVERY_MANAGER = "delivery_manager", _("Delivery manager")


class CandidateSource(models.TextChoices):
    REFERRAL = "referral", _("Referral")
    SCHOOL_VISIT = "school_visit", _("School visit")
    JOB_BOARD = "job_board", _("Job board")
    AGENCY = "agency", _("Agency")


class CandidateStage(models.TextChoices):
    SOURCED = "sourced", _("Sourced")
    SCREENED = "screened", _("Screened")
    INTERVIEWED = "interviewed", _("Interviewed")
    OFFERED = "offered", _("Offered")
    HIRED = "hired", _("Hired")
    REJECTED = "rejected", _("Rejected")
