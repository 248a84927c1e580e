"""Writes of the recruiting pipeline: candidates are added, moved along the pipeline and hired.

Every service checks its guard first, runs in one transaction and writes its audit row there. A refusal
is an ApplicationError (or PermissionDenied) with a message a user can read; `extra["field"]` names the
form field it concerns when there is one, so a page can put the message next to it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import validate_email
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from engagements.services.deliverable import deliverable_detect_type
from kpo.accounts.choices import Role
from kpo.accounts.models import User
from kpo.accounts.selectors import is_operator, user_organisation, user_roles
from kpo.core.audit import audit_record
from kpo.core.exceptions import ApplicationError, IllegalTransition, PermissionDenied

from .choices import CANDIDATE_HIRE_FROM, CANDIDATE_MOVES, CandidateSource, CandidateStage, StaffRole
from .models import Candidate, Provider, TeamMember
from .selectors import providers_visible_to

# A resume is a PDF, a Word document or plain text, judged by its bytes (never by its name).
RESUME_TYPES = {
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "text/plain": ".txt",
    # A text file named .csv is still text: keep it as .txt.
    "text/csv": ".txt",
}
RESUME_CONTENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".txt": "text/plain; charset=utf-8",
}
EDITABLE_FIELDS = ("full_name", "email", "phone", "skills", "education", "notes", "source")


def _field(name: str) -> dict:
    return {"field": name}


# --- who may do what -------------------------------------------------------------------------------


def candidate_may_add(user: User) -> bool:
    """Recruiters and operators add candidates."""
    return is_operator(user) or Role.CONSULTANT_RECRUITER in user_roles(user)


def candidate_may_manage(user: User, candidate: Candidate) -> bool:
    """Who may edit a candidate and move it along the pipeline: an operator, or a recruiter who can see
    it (their own candidates, or their own provider's)."""
    if is_operator(user):
        return True
    if Role.CONSULTANT_RECRUITER not in user_roles(user):
        return False
    if candidate.recruiter_id == user.pk:
        return True
    organisation = user_organisation(user)
    return bool(
        organisation is not None
        and candidate.provider_id is not None
        and candidate.provider.organisation_id == organisation.pk
    )


def candidate_may_hire(user: User, candidate: Candidate) -> bool:
    """Whoever manages the candidate, and the manager of the provider the candidate is recruited for."""
    if candidate_may_manage(user, candidate):
        return True
    organisation = user_organisation(user)
    return bool(
        Role.PROVIDER_MANAGER in user_roles(user)
        and organisation is not None
        and candidate.provider_id is not None
        and candidate.provider.organisation_id == organisation.pk
    )


def candidate_allowed_moves(candidate: Candidate) -> tuple[str, ...]:
    return CANDIDATE_MOVES.get(candidate.stage, ())


# --- checks ------------------------------------------------------------------------------------------


def _check_resume(resume: UploadedFile) -> str:
    """The extension to store the resume under; ApplicationError(field=resume) when refused."""
    size = resume.size or 0
    if size <= 0:
        raise ApplicationError(_("The resume file is empty."), extra=_field("resume"))
    if size > settings.KPO_MAX_UPLOAD_BYTES:
        raise ApplicationError(
            _("The resume is %(size)s; the largest accepted is %(max)s.")
            % {"size": filesizeformat(size), "max": filesizeformat(settings.KPO_MAX_UPLOAD_BYTES)},
            extra=_field("resume"),
        )
    refused = _("A resume must be a PDF, a Word (DOCX) document or plain text.")
    try:
        content_type, _extension = deliverable_detect_type(resume)
    except ApplicationError:
        raise ApplicationError(refused, extra=_field("resume")) from None
    if content_type not in RESUME_TYPES:
        raise ApplicationError(refused, extra=_field("resume"))
    return RESUME_TYPES[content_type]


def _clean_details(details: dict) -> dict:
    """Trimmed details, with the required ones present and the e-mail and source valid."""
    cleaned = {key: (value or "").strip() for key, value in details.items()}
    if "full_name" in cleaned and not cleaned["full_name"]:
        raise ApplicationError(_("Enter the candidate's full name."), extra=_field("full_name"))
    for name in ("full_name", "email", "phone", "skills", "education"):
        if name in cleaned:
            limit = Candidate._meta.get_field(name).max_length
            if len(cleaned[name]) > limit:
                raise ApplicationError(_("At most %(max)d characters.") % {"max": limit}, extra=_field(name))
    if cleaned.get("email"):
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            raise ApplicationError(_("Enter a valid e-mail address."), extra=_field("email")) from None
    if "source" in cleaned and cleaned["source"] not in CandidateSource.values:
        raise ApplicationError(_("Choose where the candidate came from."), extra=_field("source"))
    return cleaned


def _store_resume(candidate: Candidate, resume: UploadedFile, extension: str) -> str:
    resume.seek(0)
    # upload_to makes the stored name: a uuid and the extension of the *detected* type.
    candidate.resume.save(f"resume{extension}", resume, save=False)
    return candidate.resume.name


def _delete_stored(name: str) -> None:
    if name:
        Candidate._meta.get_field("resume").storage.delete(name)


def _locked(candidate: Candidate) -> Candidate:
    return Candidate.objects.select_for_update(of=("self",)).select_related("provider").get(pk=candidate.pk)


# --- services ----------------------------------------------------------------------------------------


def candidate_add(
    *,
    actor: User,
    provider: Provider | None,
    full_name: str,
    source: str,
    email: str = "",
    phone: str = "",
    skills: str = "",
    education: str = "",
    notes: str = "",
    resume: UploadedFile | None = None,
) -> Candidate:
    """Add a candidate recruited for a provider, with an optional resume; the actor is the recruiter.

    Guards: the actor is a recruiter or an operator; the provider is one they can see; the name is given,
    the e-mail valid; a resume is at most KPO_MAX_UPLOAD_BYTES and a PDF, DOCX or plain text by content.
    A stored resume whose transaction fails is removed again.
    """
    if not candidate_may_add(actor):
        raise PermissionDenied(_("Only recruiters may add candidates."))
    if provider is None:
        raise ApplicationError(
            _("Choose the provider the candidate is recruited for."), extra=_field("provider")
        )
    if not providers_visible_to(actor).filter(pk=provider.pk).exists():
        raise PermissionDenied(_("You cannot recruit for this provider."), extra=_field("provider"))
    details = _clean_details(
        {
            "full_name": full_name,
            "source": source,
            "email": email,
            "phone": phone,
            "skills": skills,
            "education": education,
            "notes": notes,
        }
    )
    extension = _check_resume(resume) if resume is not None else ""

    stored = ""
    try:
        with transaction.atomic():
            candidate = Candidate(provider=provider, recruiter=actor, stage=CandidateStage.SOURCED, **details)
            if resume is not None:
                stored = _store_resume(candidate, resume, extension)
            candidate.save()
            audit_record(
                actor=actor,
                action="candidate.added",
                obj=candidate,
                changes={"provider": provider.pk, "source": candidate.source, "resume": bool(stored)},
            )
    except BaseException:
        _delete_stored(stored)
        raise
    return candidate


def candidate_update(
    *,
    candidate: Candidate,
    actor: User,
    resume: UploadedFile | None = None,
    remove_resume: bool = False,
    **details,
) -> Candidate:
    """Change a candidate's editable details (name, contact, skills, education, notes, source) and
    replace or remove the resume. The old resume file is deleted once the change is committed."""
    unknown = set(details) - set(EDITABLE_FIELDS)
    if unknown:
        raise ApplicationError(
            _("These details cannot be changed here: %(names)s.") % {"names": ", ".join(sorted(unknown))}
        )
    details = _clean_details(details)
    extension = _check_resume(resume) if resume is not None else ""

    stored = ""
    try:
        with transaction.atomic():
            locked = _locked(candidate)
            if not candidate_may_manage(actor, locked):
                raise PermissionDenied(_("Only the candidate's recruiter may change these details."))
            changes = {
                name: {"from": getattr(locked, name), "to": value}
                for name, value in details.items()
                if getattr(locked, name) != value
            }
            for name, value in details.items():
                setattr(locked, name, value)
            old_resume = locked.resume.name if locked.resume else ""
            if resume is not None:
                stored = _store_resume(locked, resume, extension)
                changes["resume"] = "replaced" if old_resume else "added"
            elif remove_resume and old_resume:
                locked.resume = ""
                changes["resume"] = "removed"
            if not changes:
                return locked
            locked.save()
            audit_record(actor=actor, action="candidate.updated", obj=locked, changes=changes)
            if old_resume and "resume" in changes:
                # The old file goes only once the new state is committed.
                transaction.on_commit(lambda: _delete_stored(old_resume))
    except BaseException:
        _delete_stored(stored)
        raise
    return locked


def _moves_text(stages) -> str:
    return ", ".join(str(CandidateStage(s).label) for s in stages) or _("none")


def _append_note(candidate: Candidate, *, actor: User, text: str) -> None:
    stamp = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    who = (getattr(actor, "full_name", "") or getattr(actor, "email", "") or "").strip()
    line = f"[{stamp}{' · ' + who if who else ''}] {text}"
    candidate.notes = f"{candidate.notes.rstrip()}\n{line}".strip() if candidate.notes else line


def candidate_move(*, candidate: Candidate, stage: str, actor: User, note: str = "") -> Candidate:
    """Move a candidate along the pipeline (CANDIDATE_MOVES); hiring goes through candidate_hire.

    An illegal move is refused naming the moves allowed from the current stage. A note is kept in the
    candidate's notes with the move, and in the audit row.
    """
    note = (note or "").strip()
    with transaction.atomic():
        locked = _locked(candidate)
        if not candidate_may_manage(actor, locked):
            raise PermissionDenied(_("Only the candidate's recruiter may move them along the pipeline."))
        allowed = CANDIDATE_MOVES.get(locked.stage, ())
        if stage == CandidateStage.HIRED:
            raise IllegalTransition(
                _("Hire the candidate with the hire form: it also adds them to the provider's team.")
            )
        if stage not in allowed:
            label = CandidateStage(stage).label if stage in CandidateStage.values else stage
            raise IllegalTransition(
                _("A candidate cannot move from “%(from)s” to “%(to)s”. Allowed: %(allowed)s.")
                % {"from": CandidateStage(locked.stage).label, "to": label, "allowed": _moves_text(allowed)}
            )
        previous = locked.stage
        locked.stage = stage
        text = _("%(from)s → %(to)s") % {
            "from": CandidateStage(previous).label,
            "to": CandidateStage(stage).label,
        }
        _append_note(locked, actor=actor, text=f"{text}: {note}" if note else text)
        locked.save(update_fields=["stage", "notes", "updated_at"])
        audit_record(
            actor=actor,
            action="candidate.moved",
            obj=locked,
            changes={"stage": {"from": previous, "to": stage}, "note": note},
        )
    candidate.stage, candidate.notes = locked.stage, locked.notes
    return locked


def candidate_hire(*, candidate: Candidate, actor: User, role: str) -> TeamMember:
    """Hire an offered candidate: the provider's new TeamMember (name, role, skills) is created and
    linked, and the candidate becomes hired, all in one transaction (nothing changes if any step fails).

    Guards: the candidate's recruiter, an operator, or the manager of the candidate's provider; the
    candidate is offered and recruited for a provider; the role is a staff role.
    """
    if role not in StaffRole.values:
        raise ApplicationError(_("Choose the role the candidate is hired for."), extra=_field("role"))
    with transaction.atomic():
        locked = _locked(candidate)
        if not candidate_may_hire(actor, locked):
            raise PermissionDenied(
                _("Only the candidate's recruiter or the provider's manager may hire this candidate.")
            )
        if locked.stage != CANDIDATE_HIRE_FROM:
            raise IllegalTransition(
                _("Only an offered candidate can be hired; this one is “%(stage)s”.")
                % {"stage": CandidateStage(locked.stage).label}
            )
        if locked.provider_id is None:
            raise ApplicationError(_("The candidate is not recruited for any provider; choose one first."))
        member = TeamMember.objects.create(
            provider=locked.provider,
            full_name=locked.full_name,
            role=role,
            skills=locked.skills[: TeamMember._meta.get_field("skills").max_length],
        )
        locked.stage = CandidateStage.HIRED
        locked.team_member = member
        _append_note(
            locked,
            actor=actor,
            text=_("Hired as %(role)s") % {"role": StaffRole(role).label},
        )
        locked.save(update_fields=["stage", "team_member", "notes", "updated_at"])
        audit_record(
            actor=actor,
            action="candidate.hired",
            obj=locked,
            changes={
                "stage": {"from": CANDIDATE_HIRE_FROM, "to": CandidateStage.HIRED},
                "team_member": member.pk,
                "role": role,
            },
        )
        audit_record(actor=actor, action="team_member.added", obj=member, changes={"hired_from": locked.pk})
    candidate.stage, candidate.team_member, candidate.notes = locked.stage, member, locked.notes
    return member


__all__ = [
    "RESUME_CONTENT_TYPES",
    "candidate_add",
    "candidate_allowed_moves",
    "candidate_hire",
    "candidate_may_add",
    "candidate_may_hire",
    "candidate_may_manage",
    "candidate_move",
    "candidate_update",
]
