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


# The recruiting pipeline as data: the stages a candidate may move to from each stage. Any open stage
# may be rejected, and a rejection may be reopened (back to sourced). Hired is reached only through
# providers.services.candidate_hire, from offered, because a hire also creates the team member.
CANDIDATE_MOVES: dict[str, tuple[str, ...]] = {
    CandidateStage.SOURCED: (CandidateStage.SCREENED, CandidateStage.REJECTED),
    CandidateStage.SCREENED: (CandidateStage.INTERVIEWED, CandidateStage.REJECTED),
    CandidateStage.INTERVIEWED: (CandidateStage.OFFERED, CandidateStage.REJECTED),
    CandidateStage.OFFERED: (CandidateStage.REJECTED,),
    CandidateStage.REJECTED: (CandidateStage.SOURCED,),
    CandidateStage.HIRED: (),
}
# Where a hire comes from (candidate_hire), and the stages still in the pipeline.
CANDIDATE_HIRE_FROM = CandidateStage.OFFERED
CANDIDATE_OPEN_STAGES = (
    CandidateStage.SOURCED,
    CandidateStage.SCREENED,
    CandidateStage.INTERVIEWED,
    CandidateStage.OFFERED,
)
