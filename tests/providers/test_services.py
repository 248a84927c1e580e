"""providers.services: guards, the pipeline as data, hiring atomically, resumes judged by content."""

from unittest import mock

import pytest
from django.db import IntegrityError

from kpo.core.exceptions import ApplicationError, IllegalTransition, PermissionDenied
from kpo.core.models import AuditLog
from providers.choices import CANDIDATE_MOVES, CandidateSource, CandidateStage, StaffRole
from providers.models import Candidate, TeamMember
from providers.services import candidate_add, candidate_hire, candidate_move, candidate_update

from .conftest import PDF, PNG, docx_bytes, stored_files, upload


def add(actor, provider, **fields):
    fields.setdefault("full_name", "Kavya Rao")
    fields.setdefault("source", CandidateSource.SCHOOL_VISIT)
    return candidate_add(actor=actor, provider=provider, **fields)


# --- candidate_add -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "stored_suffix"),
    [
        ("cv.pdf", PDF, ".pdf"),
        ("cv.docx", docx_bytes(), ".docx"),
        ("cv.txt", b"Kavya Rao\nLLB 2024\n", ".txt"),
    ],
)
def test_recruiter_adds_a_candidate_with_a_resume(world, consultant_recruiter, name, content, stored_suffix):
    candidate = add(
        consultant_recruiter, world.provider_p, email=" kavya@example.com ", resume=upload(name, content)
    )
    candidate.refresh_from_db()
    assert candidate.recruiter == consultant_recruiter
    assert candidate.stage == CandidateStage.SOURCED
    assert candidate.email == "kavya@example.com"
    assert candidate.resume.name.endswith(stored_suffix)
    assert candidate.resume.read() == content
    assert AuditLog.objects.filter(action="candidate.added", object_id=str(candidate.pk)).exists()


def test_resume_type_comes_from_the_bytes_not_the_name(world, consultant_recruiter):
    candidate = add(consultant_recruiter, world.provider_p, resume=upload("cv.exe", PDF))
    assert candidate.resume.name.endswith(".pdf")


@pytest.mark.parametrize("content", [PNG, b"MZ\x90\x00\x03\x00\x00\x00", b""])
def test_a_resume_of_another_type_is_refused_and_nothing_is_written(
    world, consultant_recruiter, media_root, content
):
    with pytest.raises(ApplicationError) as refused:
        add(consultant_recruiter, world.provider_p, resume=upload("cv.pdf", content))
    assert refused.value.extra["field"] == "resume"
    assert not Candidate.objects.exists()
    assert stored_files(media_root) == []


def test_a_resume_too_big_is_refused(world, consultant_recruiter, settings, media_root):
    settings.KPO_MAX_UPLOAD_BYTES = 20
    with pytest.raises(ApplicationError, match="largest accepted"):
        add(consultant_recruiter, world.provider_p, resume=upload("cv.pdf", PDF))
    assert not Candidate.objects.exists()
    assert stored_files(media_root) == []


def test_a_stored_resume_is_removed_when_the_transaction_fails(world, consultant_recruiter, media_root):
    with (
        mock.patch("providers.services.audit_record", side_effect=IntegrityError("boom")),
        pytest.raises(IntegrityError),
    ):
        add(consultant_recruiter, world.provider_p, resume=upload("cv.pdf", PDF))
    assert not Candidate.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    "persona", ["consultant_broker", "provider_manager", "client_staff", "consultant_executive"]
)
def test_only_recruiters_and_operators_add_candidates(world, personas, persona):
    with pytest.raises(PermissionDenied):
        add(personas[persona], world.provider_p)
    assert not Candidate.objects.exists()


def test_an_operator_adds_candidates(world, operator):
    assert add(operator, world.provider_q).recruiter == operator


def test_the_provider_must_be_visible_to_the_recruiter(world, provider_p):
    """A recruiter inside a provider's organisation (not a directory browser) cannot recruit for others."""
    from kpo.accounts.choices import Role
    from tests.factories import make_member

    in_house = make_member(provider_p.organisation, Role.CONSULTANT_RECRUITER, email="hr@prism.example")
    # Directory roles see everything; narrow this recruiter to their own provider to test the guard.
    with mock.patch("providers.selectors.may_browse_directory", return_value=False):
        with pytest.raises(PermissionDenied, match="cannot recruit for this provider"):
            add(in_house, world.provider_q)
        assert add(in_house, world.provider_p).provider == world.provider_p


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"full_name": "   "}, "full_name"),
        ({"email": "not-an-email"}, "email"),
        ({"source": "cold_call"}, "source"),
    ],
)
def test_bad_details_are_refused_naming_the_field(world, consultant_recruiter, fields, field):
    with pytest.raises(ApplicationError) as refused:
        add(consultant_recruiter, world.provider_p, **fields)
    assert refused.value.extra["field"] == field
    assert not Candidate.objects.exists()


# --- candidate_move ----------------------------------------------------------------------------------


def test_the_pipeline_moves_forward_and_notes_each_move(candidate_p, consultant_recruiter):
    for stage in (CandidateStage.SCREENED, CandidateStage.INTERVIEWED, CandidateStage.OFFERED):
        candidate_move(candidate=candidate_p, stage=stage, actor=consultant_recruiter, note=f"ok {stage}")
    candidate_p.refresh_from_db()
    assert candidate_p.stage == CandidateStage.OFFERED
    assert "Interviewed → Offered: ok offered" in candidate_p.notes
    assert AuditLog.objects.filter(action="candidate.moved", object_id=str(candidate_p.pk)).count() == 3


def test_an_illegal_move_is_refused_naming_the_allowed_ones(candidate_p, consultant_recruiter):
    with pytest.raises(IllegalTransition) as refused:
        candidate_move(candidate=candidate_p, stage=CandidateStage.OFFERED, actor=consultant_recruiter)
    assert "Allowed: Screened, Rejected" in refused.value.message
    candidate_p.refresh_from_db()
    assert candidate_p.stage == CandidateStage.SOURCED
    assert not AuditLog.objects.filter(action="candidate.moved").exists()


def test_hired_is_reached_only_through_the_hire(candidate_p, consultant_recruiter):
    Candidate.objects.filter(pk=candidate_p.pk).update(stage=CandidateStage.OFFERED)
    with pytest.raises(IllegalTransition, match="hire form"):
        candidate_move(candidate=candidate_p, stage=CandidateStage.HIRED, actor=consultant_recruiter)


def test_a_rejection_can_be_reopened(candidate_p, consultant_recruiter):
    candidate_move(candidate=candidate_p, stage=CandidateStage.REJECTED, actor=consultant_recruiter)
    candidate_move(candidate=candidate_p, stage=CandidateStage.SOURCED, actor=consultant_recruiter)
    assert Candidate.objects.get(pk=candidate_p.pk).stage == CandidateStage.SOURCED


def test_every_open_stage_may_be_rejected_and_hired_is_final():
    for stage in (
        CandidateStage.SOURCED,
        CandidateStage.SCREENED,
        CandidateStage.INTERVIEWED,
        CandidateStage.OFFERED,
    ):
        assert CandidateStage.REJECTED in CANDIDATE_MOVES[stage]
    assert CANDIDATE_MOVES[CandidateStage.HIRED] == ()
    assert all(CandidateStage.HIRED not in moves for moves in CANDIDATE_MOVES.values())


@pytest.mark.parametrize("persona", ["provider_manager", "consultant_broker", "other_provider_manager"])
def test_only_the_recruiter_moves_a_candidate(candidate_p, personas, persona):
    with pytest.raises(PermissionDenied):
        candidate_move(candidate=candidate_p, stage=CandidateStage.SCREENED, actor=personas[persona])


def test_another_recruiter_cannot_move_my_candidate(candidate_p, other_recruiter):
    with pytest.raises(PermissionDenied):
        candidate_move(candidate=candidate_p, stage=CandidateStage.SCREENED, actor=other_recruiter)


# --- candidate_hire ----------------------------------------------------------------------------------


@pytest.fixture
def offered(candidate_p):
    Candidate.objects.filter(pk=candidate_p.pk).update(stage=CandidateStage.OFFERED)
    candidate_p.refresh_from_db()
    return candidate_p


@pytest.mark.parametrize("persona", ["consultant_recruiter", "provider_manager", "operator"])
def test_hire_creates_and_links_the_team_member(offered, world, personas, persona):
    member = candidate_hire(candidate=offered, actor=personas[persona], role=StaffRole.SENIOR_ANALYST)
    offered.refresh_from_db()
    assert offered.stage == CandidateStage.HIRED
    assert offered.team_member == member
    assert member.provider == world.provider_p
    assert (member.full_name, member.role, member.skills) == (
        "Meera Iyer",
        StaffRole.SENIOR_ANALYST,
        "legal research",
    )
    assert AuditLog.objects.filter(action="candidate.hired", object_id=str(offered.pk)).exists()


@pytest.mark.parametrize("persona", ["other_provider_manager", "consultant_broker", "client_staff"])
def test_others_cannot_hire(offered, personas, persona):
    with pytest.raises(PermissionDenied):
        candidate_hire(candidate=offered, actor=personas[persona], role=StaffRole.ANALYST)
    assert Candidate.objects.get(pk=offered.pk).stage == CandidateStage.OFFERED


def test_only_an_offered_candidate_is_hired(candidate_p, consultant_recruiter):
    teams_before = TeamMember.objects.count()
    with pytest.raises(IllegalTransition, match="Only an offered candidate"):
        candidate_hire(candidate=candidate_p, actor=consultant_recruiter, role=StaffRole.ANALYST)
    assert TeamMember.objects.count() == teams_before


def test_an_unknown_role_is_refused(offered, consultant_recruiter):
    with pytest.raises(ApplicationError) as refused:
        candidate_hire(candidate=offered, actor=consultant_recruiter, role="intern")
    assert refused.value.extra["field"] == "role"


def test_hire_is_atomic_when_the_team_member_cannot_be_created(offered, consultant_recruiter):
    teams_before = TeamMember.objects.count()
    with (
        mock.patch.object(TeamMember.objects, "create", side_effect=IntegrityError("no room")),
        pytest.raises(IntegrityError),
    ):
        candidate_hire(candidate=offered, actor=consultant_recruiter, role=StaffRole.ANALYST)
    offered.refresh_from_db()
    assert offered.stage == CandidateStage.OFFERED and offered.team_member is None
    assert TeamMember.objects.count() == teams_before
    assert not AuditLog.objects.filter(action="candidate.hired").exists()


def test_hire_is_atomic_when_a_later_step_fails(offered, consultant_recruiter):
    """The team member is created, then the audit fails: the team member is rolled back too."""
    teams_before = TeamMember.objects.count()
    with (
        mock.patch("providers.services.audit_record", side_effect=IntegrityError("audit down")),
        pytest.raises(IntegrityError),
    ):
        candidate_hire(candidate=offered, actor=consultant_recruiter, role=StaffRole.ANALYST)
    offered.refresh_from_db()
    assert offered.stage == CandidateStage.OFFERED and offered.team_member_id is None
    assert TeamMember.objects.count() == teams_before


# --- candidate_update --------------------------------------------------------------------------------


def test_update_changes_details_and_replaces_the_resume(
    candidate_p, consultant_recruiter, media_root, django_capture_on_commit_callbacks
):
    first = candidate_update(candidate=candidate_p, actor=consultant_recruiter, resume=upload("a.pdf", PDF))
    old_name = first.resume.name
    with django_capture_on_commit_callbacks(execute=True):
        updated = candidate_update(
            candidate=candidate_p,
            actor=consultant_recruiter,
            resume=upload("b.docx", docx_bytes()),
            skills="contract review",
        )
    assert updated.skills == "contract review"
    assert updated.resume.name.endswith(".docx")
    assert not (media_root / old_name).exists()
    assert [p.name for p in stored_files(media_root)] == [updated.resume.name.rsplit("/", 1)[-1]]


def test_update_with_a_bad_resume_changes_nothing(candidate_p, consultant_recruiter, media_root):
    with pytest.raises(ApplicationError):
        candidate_update(
            candidate=candidate_p, actor=consultant_recruiter, resume=upload("x.pdf", PNG), skills="new"
        )
    candidate_p.refresh_from_db()
    assert candidate_p.skills == "legal research" and not candidate_p.resume
    assert stored_files(media_root) == []


def test_update_is_refused_to_the_provider_manager(candidate_p, provider_manager):
    with pytest.raises(PermissionDenied):
        candidate_update(candidate=candidate_p, actor=provider_manager, skills="x")


def test_update_refuses_fields_that_are_not_editable(candidate_p, consultant_recruiter):
    with pytest.raises(ApplicationError, match="cannot be changed"):
        candidate_update(candidate=candidate_p, actor=consultant_recruiter, stage=CandidateStage.HIRED)
