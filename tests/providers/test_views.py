"""Recruiting pages: a permission matrix per page, 404 across tenants, form errors, the whole pipeline."""

import pytest
from django.urls import reverse

from providers.choices import CandidateStage, StaffRole
from providers.models import Candidate, TeamMember

from .conftest import PDF, PNG, stored_files, upload

ALL = (
    "client_staff",
    "client_sme",
    "client_admin",
    "other_client_staff",
    "provider_manager",
    "provider_analyst",
    "other_provider_manager",
    "consultant_executive",
    "consultant_analyst",
    "consultant_broker",
    "consultant_recruiter",
    "operator",
)


def matrix(default: int, **overrides: int) -> dict[str, int]:
    return {persona: overrides.get(persona, default) for persona in ALL}


def check(client, personas, expected: dict[str, int], request) -> None:
    got = {}
    for persona in ALL:
        client.force_login(personas[persona])
        got[persona] = request(client, persona).status_code
    assert got == expected


@pytest.fixture
def with_resume(candidate_p):
    candidate_p.resume.save("resume.pdf", upload("cv.pdf", PDF))
    return candidate_p


# --- permission matrices -----------------------------------------------------------------------------


def test_candidate_list_matrix(world, client, personas):
    # Every provider manager has a list (of their own provider's candidates); see the 404 tests below.
    expected = matrix(
        403, consultant_recruiter=200, provider_manager=200, other_provider_manager=200, operator=200
    )
    check(client, personas, expected, lambda c, p: c.get(reverse("providers:candidate-list")))


def test_candidate_create_page_matrix(world, client, personas):
    expected = matrix(403, consultant_recruiter=200, operator=200)
    check(client, personas, expected, lambda c, p: c.get(reverse("providers:candidate-create")))


def test_candidate_detail_matrix(candidate_p, client, personas):
    expected = matrix(404, consultant_recruiter=200, provider_manager=200, operator=200)
    check(client, personas, expected, lambda c, p: c.get(candidate_p.get_absolute_url()))


def test_candidate_edit_matrix(candidate_p, client, personas):
    expected = matrix(404, consultant_recruiter=200, provider_manager=403, operator=200)
    check(
        client,
        personas,
        expected,
        lambda c, p: c.get(reverse("providers:candidate-edit", args=[candidate_p.pk])),
    )


def test_candidate_move_matrix(world, client, personas, make_candidate):
    """Each persona tries to screen a fresh sourced candidate of the recruiter."""
    expected = matrix(404, consultant_recruiter=302, provider_manager=403, operator=302)

    def move(c, persona):
        candidate = make_candidate(provider=world.provider_p, recruiter=personas["consultant_recruiter"])
        response = c.post(reverse("providers:candidate-move", args=[candidate.pk]), {"stage": "screened"})
        moved = Candidate.objects.get(pk=candidate.pk).stage == CandidateStage.SCREENED
        assert moved == (response.status_code == 302), persona
        return response

    check(client, personas, expected, move)


def test_candidate_hire_matrix(world, client, personas, make_candidate):
    expected = matrix(404, consultant_recruiter=302, provider_manager=302, operator=302)

    def hire(c, persona):
        candidate = make_candidate(
            provider=world.provider_p,
            recruiter=personas["consultant_recruiter"],
            stage=CandidateStage.OFFERED,
        )
        response = c.post(
            reverse("providers:candidate-hire", args=[candidate.pk]), {"role": StaffRole.ANALYST}
        )
        hired = Candidate.objects.get(pk=candidate.pk).team_member_id is not None
        assert hired == (response.status_code == 302), persona
        return response

    check(client, personas, expected, hire)


def test_resume_download_matrix(with_resume, client, personas):
    expected = matrix(404, consultant_recruiter=200, provider_manager=200, operator=200)
    check(
        client,
        personas,
        expected,
        lambda c, p: c.get(reverse("providers:candidate-resume", args=[with_resume.pk])),
    )


def test_provider_pages_matrix(world, client, personas):
    check(client, personas, matrix(200), lambda c, p: c.get(reverse("providers:list")))
    # Provider Q works only with client A, without consultants attached: client B, P and the consultant
    # analyst (attached to engagement_ap only) do not see it.
    expected = matrix(
        200, other_client_staff=404, provider_manager=404, provider_analyst=404, consultant_analyst=404
    )
    check(
        client,
        personas,
        expected,
        lambda c, p: c.get(reverse("providers:detail", args=[world.provider_q.pk])),
    )


def test_matching_page_matrix(world, client, personas):
    expected = matrix(403, consultant_broker=200, consultant_executive=200, operator=200)
    check(client, personas, expected, lambda c, p: c.get(reverse("providers:match")))


# --- across tenants ----------------------------------------------------------------------------------


def test_another_recruiters_candidate_is_a_404(with_resume, client, other_recruiter):
    client.force_login(other_recruiter)
    assert client.get(with_resume.get_absolute_url()).status_code == 404
    assert client.get(reverse("providers:candidate-resume", args=[with_resume.pk])).status_code == 404
    body = client.get(reverse("providers:candidate-list")).content.decode()
    assert with_resume.full_name not in body


def test_another_providers_candidate_is_a_404_for_a_manager(
    world, client, make_candidate, other_provider_manager, provider_manager
):
    candidate = make_candidate(provider=world.provider_q, full_name="Quincy Candidate")
    candidate.resume.save("r.pdf", upload("r.pdf", PDF))
    client.force_login(provider_manager)
    assert client.get(candidate.get_absolute_url()).status_code == 404
    assert client.get(reverse("providers:candidate-resume", args=[candidate.pk])).status_code == 404
    client.force_login(other_provider_manager)
    assert client.get(candidate.get_absolute_url()).status_code == 200


def test_resume_is_an_attachment_with_the_detected_type(with_resume, client, consultant_recruiter):
    client.force_login(consultant_recruiter)
    response = client.get(reverse("providers:candidate-resume", args=[with_resume.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert 'filename="meera-iyer-resume.pdf"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_a_candidate_without_resume_has_no_download(candidate_p, client, consultant_recruiter):
    client.force_login(consultant_recruiter)
    assert client.get(reverse("providers:candidate-resume", args=[candidate_p.pk])).status_code == 404


# --- forms -------------------------------------------------------------------------------------------


def new_candidate(world, **overrides):
    data = {
        "full_name": "Kavya Rao",
        "provider": world.provider_p.pk,
        "source": "referral",
        "email": "kavya@example.com",
    }
    data.update(overrides)
    return data


def test_recruiter_adds_a_candidate_through_the_form(world, client, consultant_recruiter):
    client.force_login(consultant_recruiter)
    response = client.post(
        reverse("providers:candidate-create"), new_candidate(world, resume=upload("cv.pdf", PDF))
    )
    candidate = Candidate.objects.get()
    assert response.status_code == 302 and response["Location"] == candidate.get_absolute_url()
    assert candidate.recruiter == consultant_recruiter and candidate.resume.name.endswith(".pdf")
    page = client.get(candidate.get_absolute_url()).content.decode()
    assert "Kavya Rao" in page and "Move to Screened" in page and "Move to Rejected" in page
    assert "Move to Offered" not in page


def test_a_resume_of_the_wrong_type_is_a_form_error(world, client, consultant_recruiter, media_root):
    client.force_login(consultant_recruiter)
    response = client.post(
        reverse("providers:candidate-create"), new_candidate(world, resume=upload("cv.pdf", PNG))
    )
    assert response.status_code == 400
    assert "A resume must be a PDF, a Word (DOCX) document or plain text." in response.content.decode()
    assert not Candidate.objects.exists() and stored_files(media_root) == []


def test_a_resume_too_big_is_a_form_error(world, client, consultant_recruiter, settings, media_root):
    settings.KPO_MAX_UPLOAD_BYTES = 16
    client.force_login(consultant_recruiter)
    response = client.post(
        reverse("providers:candidate-create"), new_candidate(world, resume=upload("cv.pdf", PDF))
    )
    assert response.status_code == 400
    assert "the largest accepted is" in response.content.decode()
    assert not Candidate.objects.exists() and stored_files(media_root) == []


def test_a_missing_name_is_a_form_error(world, client, consultant_recruiter):
    client.force_login(consultant_recruiter)
    response = client.post(reverse("providers:candidate-create"), new_candidate(world, full_name=""))
    assert response.status_code == 400 and not Candidate.objects.exists()


def test_an_illegal_move_is_shown_on_the_page(candidate_p, client, consultant_recruiter):
    client.force_login(consultant_recruiter)
    response = client.post(reverse("providers:candidate-move", args=[candidate_p.pk]), {"stage": "offered"})
    assert response.status_code == 409
    assert "Allowed: Screened, Rejected" in response.content.decode()
    response = client.post(reverse("providers:candidate-move", args=[candidate_p.pk]), {"stage": "nonsense"})
    assert response.status_code == 400


def test_the_whole_pipeline_through_the_pages(candidate_p, client, consultant_recruiter, world):
    client.force_login(consultant_recruiter)
    url = reverse("providers:candidate-move", args=[candidate_p.pk])
    for stage in ("screened", "interviewed", "offered"):
        assert client.post(url, {"stage": stage, "note": f"went well ({stage})"}).status_code == 302
    page = client.get(candidate_p.get_absolute_url()).content.decode()
    assert "Role in the team" in page and "went well (interviewed)" in page
    response = client.post(
        reverse("providers:candidate-hire", args=[candidate_p.pk]), {"role": StaffRole.SME}
    )
    assert response.status_code == 302
    candidate_p.refresh_from_db()
    member = TeamMember.objects.get(pk=candidate_p.team_member_id)
    assert member.provider == world.provider_p and member.role == StaffRole.SME
    page = client.get(candidate_p.get_absolute_url()).content.decode()
    assert "No further move" in page and "Role in the team" not in page


def test_edit_replaces_the_resume(with_resume, client, consultant_recruiter):
    client.force_login(consultant_recruiter)
    response = client.post(
        reverse("providers:candidate-edit", args=[with_resume.pk]),
        {
            "full_name": "Meera Iyer",
            "source": "agency",
            "skills": "due diligence",
            "resume": upload("cv.txt", b"plain resume\n"),
        },
    )
    assert response.status_code == 302
    with_resume.refresh_from_db()
    assert with_resume.source == "agency" and with_resume.resume.name.endswith(".txt")


def test_list_filters_and_pipeline_counts(world, client, consultant_recruiter, make_candidate):
    for i, stage in enumerate(["sourced", "sourced", "screened", "offered", "rejected"]):
        make_candidate(
            provider=world.provider_p, recruiter=consultant_recruiter, stage=stage, full_name=f"Person {i}"
        )
    make_candidate(
        provider=world.provider_q, recruiter=consultant_recruiter, full_name="Quanta Person", source="agency"
    )
    client.force_login(consultant_recruiter)
    response = client.get(
        reverse("providers:candidate-list"), {"provider": world.provider_p.pk, "stage": "sourced"}
    )
    body = response.content.decode()
    assert (
        "Person 0" in body and "Person 1" in body and "Person 2" not in body and "Quanta Person" not in body
    )
    pipeline = {step["stage"]: step["count"] for step in response.context["pipeline"]}
    assert pipeline == {
        "sourced": 2,
        "screened": 1,
        "interviewed": 0,
        "offered": 1,
        "hired": 0,
        "rejected": 1,
    }
    body = client.get(reverse("providers:candidate-list"), {"source": "agency"}).content.decode()
    assert "Quanta Person" in body and "Person 0" not in body
    body = client.get(reverse("providers:candidate-list"), {"q": "quanta"}).content.decode()
    assert "Quanta Person" in body and "Person 3" not in body
