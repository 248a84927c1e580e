"""Contract tests of the other resources: list/retrieve per persona, creation, 404 across tenants."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from rest_framework.authtoken.models import Token

from engagements.choices import TaskStatus
from engagements.models import Comment, Engagement
from kpo.accounts.services import token_rotate
from tests.factories import CertificationFactory, advance_task

from .conftest import ids, results

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n%%EOF\n"


# --- engagements ---------------------------------------------------------------------------------

ENGAGEMENT_AP_MATRIX = {
    "client_staff": 200,
    "client_sme": 200,
    "client_admin": 200,
    "other_client_staff": 404,
    "provider_manager": 200,
    "provider_analyst": 200,
    "other_provider_manager": 404,
    "consultant_executive": 200,
    "consultant_analyst": 200,
    "consultant_broker": 404,
    "consultant_recruiter": 404,
    "operator": 200,
}


@pytest.mark.parametrize(("persona", "expected"), ENGAGEMENT_AP_MATRIX.items())
def test_engagement_retrieve_matrix(world, personas, api, persona, expected):
    response = api(personas[persona]).get(f"/api/v1/engagements/{world.engagement_ap.pk}/")
    assert response.status_code == expected
    if expected == 200:
        assert response.json()["health"] in {"green", "amber", "red"}


def test_engagement_list_and_filters(world, client_staff, api):
    client = api(client_staff)
    assert ids(client.get("/api/v1/engagements/")) == {world.engagement_ap.pk, world.engagement_aq.pk}
    assert ids(client.get("/api/v1/engagements/", {"q": "pricing"})) == {world.engagement_aq.pk}
    assert ids(client.get("/api/v1/engagements/", {"health": "green"})) == {
        world.engagement_ap.pk,
        world.engagement_aq.pk,
    }
    assert client.get("/api/v1/engagements/", {"health": "purple"}).status_code == 400


ENGAGEMENT_CREATE_MATRIX = {
    "client_staff": 403,
    "provider_manager": 403,
    "consultant_broker": 403,
    "consultant_executive": 201,
    "operator": 201,
}


@pytest.mark.parametrize(("persona", "expected"), ENGAGEMENT_CREATE_MATRIX.items())
def test_engagement_create_matrix(world, personas, api, persona, expected):
    body = {
        "client": world.client_a.pk,
        "provider": world.provider_p.pk,
        "service_line": world.service_line.pk,
        "title": "Covenant monitoring",
        "scope": "Monthly covenant checks.",
        "start_date": "2025-07-01",
        "budget": "45000.00",
        "currency": "EUR",
    }
    response = api(personas[persona]).post("/api/v1/engagements/", body)
    assert response.status_code == expected, response.content
    if expected == 201:
        engagement = Engagement.objects.get(pk=response.json()["id"])
        assert engagement.status == "proposed"
        # Both parties see it at once.
        assert api(personas["client_staff"]).get(f"/api/v1/engagements/{engagement.pk}/").status_code == 200


def test_engagement_create_validates_everything_at_once(world, consultant_executive, api):
    body = {"client": world.client_b.pk, "provider": world.provider_p.pk, "title": "x", "currency": "euro"}
    response = api(consultant_executive).post("/api/v1/engagements/", body)
    assert response.status_code == 400
    assert {"service_line", "scope", "start_date", "budget", "currency"} <= set(response.json()["errors"])
    full = {
        "client": world.client_b.pk,  # a client the executive does not work with
        "provider": world.provider_p.pk,
        "service_line": world.service_line.pk,
        "title": "Sneaky",
        "scope": "s",
        "start_date": "2025-07-01",
        "budget": "1.00",
        "currency": "EUR",
    }
    response = api(consultant_executive).post("/api/v1/engagements/", full)
    assert response.status_code == 400 and "client" in response.json()["errors"]
    # Same title for the same client twice: a field/constraint message, not a 500.
    dup = dict(full, client=world.client_a.pk, title=world.engagement_ap.title)
    response = api(consultant_executive).post("/api/v1/engagements/", dup)
    assert response.status_code == 400, response.content


def test_engagement_status_by_executive_only(world, consultant_executive, client_staff, api):
    url = f"/api/v1/engagements/{world.engagement_ap.pk}/status/"
    assert api(client_staff).post(url, {"status": "on_hold"}).status_code == 403
    response = api(consultant_executive).post(url, {"status": "on_hold"})
    assert response.status_code == 200 and response.json()["status"] == "on_hold"


# --- clients, providers, team, consultants --------------------------------------------------------


def test_clients_are_scoped(world, personas, api):
    assert ids(api(personas["client_staff"]).get("/api/v1/clients/")) == {world.client_a.pk}
    assert ids(api(personas["provider_manager"]).get("/api/v1/clients/")) == {
        world.client_a.pk,
        world.client_b.pk,
    }
    assert api(personas["other_client_staff"]).get(f"/api/v1/clients/{world.client_a.pk}/").status_code == 404


def test_providers_directory_and_scoping(world, personas, api):
    CertificationFactory(provider=world.provider_p)
    both = {world.provider_p.pk, world.provider_q.pk}
    assert ids(api(personas["consultant_broker"]).get("/api/v1/providers/")) == both
    assert ids(api(personas["client_staff"]).get("/api/v1/providers/")) == both
    assert ids(api(personas["other_provider_manager"]).get("/api/v1/providers/")) == {world.provider_q.pk}
    assert (
        api(personas["other_provider_manager"]).get(f"/api/v1/providers/{world.provider_p.pk}/").status_code
        == 404
    )
    detail = api(personas["client_staff"]).get(f"/api/v1/providers/{world.provider_p.pk}/").json()
    assert detail["rate_cards"][0]["entries"]
    assert detail["certifications"]


def test_team_members_scoped(world, personas, api):
    visible = ids(api(personas["other_provider_manager"]).get("/api/v1/team-members/"))
    assert visible == {world.provider_q_member.pk}


# --- deliverables --------------------------------------------------------------------------------


def test_deliverable_upload_download_and_scoping(
    world, provider_analyst, other_client_staff, client_staff, api
):
    task = advance_task(world.task_ap_ready, TaskStatus.IN_PROGRESS)
    upload = SimpleUploadedFile("Summary.pdf", PDF, content_type="application/pdf")
    response = api(provider_analyst).post(
        "/api/v1/deliverables/", {"task": task.pk, "file": upload}, format="multipart"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["content_type"] == "application/pdf" and body["original_name"] == "Summary.pdf"
    download = api(client_staff).get(body["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert api(other_client_staff).get(body["download_url"]).status_code == 404
    assert api(other_client_staff).get(f"/api/v1/deliverables/{body['id']}/").status_code == 404

    exe = SimpleUploadedFile("run.pdf", b"MZ\x90\x00" + b"\x00" * 60, content_type="application/pdf")
    refused = api(provider_analyst).post(
        "/api/v1/deliverables/", {"task": task.pk, "file": exe}, format="multipart"
    )
    assert refused.status_code == 400
    assert "not accepted" in refused.json()["detail"]
    assert (
        api(client_staff)
        .post("/api/v1/deliverables/", {"task": task.pk, "url": "https://x.example"})
        .status_code
        == 403
    )


# --- comments, time entries ----------------------------------------------------------------------


def test_comments(world, client_staff, other_client_staff, provider_manager, api):
    response = api(client_staff).post(
        "/api/v1/comments/", {"task": world.task_ap_ready.pk, "body": "Median please"}
    )
    assert response.status_code == 201, response.content
    assert response.json()["engagement"] == world.engagement_ap.pk
    refused = api(other_client_staff).post(
        "/api/v1/comments/", {"task": world.task_ap_ready.pk, "body": "hi"}
    )
    assert refused.status_code == 400
    assert (
        api(client_staff)
        .post("/api/v1/comments/", {"task": world.task_ap_ready.pk, "body": "  "})
        .status_code
        == 400
    )
    assert ids(api(provider_manager).get("/api/v1/comments/")) == {response.json()["id"]}
    assert results(api(other_client_staff).get("/api/v1/comments/")) == []
    assert Comment.objects.count() == 1


def test_time_entries(world, provider_analyst, client_staff, provider_manager, api):
    body = {"task": world.task_ap_ready.pk, "work_date": "2025-06-03", "hours": "3"}
    assert (
        api(client_staff).post("/api/v1/time-entries/", body).status_code == 400
    )  # no team member of theirs
    with_member = dict(body, team_member=world.analyst_member.pk)
    assert api(client_staff).post("/api/v1/time-entries/", with_member).status_code == 403
    response = api(provider_analyst).post("/api/v1/time-entries/", body)
    assert response.status_code == 201 and response.json()["amount"] == "120.00"
    too_long = api(provider_manager).post("/api/v1/time-entries/", dict(with_member, hours="25"))
    assert too_long.status_code == 400 and "hours" in too_long.json()["errors"]


# --- SLA -----------------------------------------------------------------------------------------


def test_sla_resources_scoped(world, client_staff, other_client_staff, api):
    assert world.sla.pk in ids(api(client_staff).get("/api/v1/slas/"))
    assert api(other_client_staff).get(f"/api/v1/slas/{world.sla.pk}/").status_code == 404
    calendar = world.sla.calendar_id
    assert calendar in ids(api(client_staff).get("/api/v1/calendars/"))
    assert api(client_staff).get("/api/v1/kpi-snapshots/").status_code == 200
    assert api(client_staff).get("/api/v1/task-clocks/", {"state": "breached"}).status_code == 200


# --- me and tokens -------------------------------------------------------------------------------


def test_me(world, provider_analyst, api):
    body = api(provider_analyst).get("/api/v1/me/").json()
    assert body["roles"] == ["provider_analyst"]
    assert body["organisation"]["name"] == world.provider_p.name
    assert body["team_member_id"] == world.analyst_member.pk
    assert body["has_token"] is False


def test_token_rotation_and_token_auth(world, client_staff, api):
    response = api(client_staff).post("/api/v1/me/token/")
    assert response.status_code == 201
    key = response.json()["token"]
    token_client = api()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert token_client.get("/api/v1/me/").json()["email"] == client_staff.email
    # Rotating kills the old key.
    new = token_rotate(user=client_staff)
    assert new.key != key
    assert token_client.get("/api/v1/me/").status_code == 401


def test_drf_create_token_command_works(world, client_staff, api):
    call_command("drf_create_token", client_staff.email)
    key = Token.objects.get(user=client_staff).key
    token_client = api()
    token_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert ids(token_client.get("/api/v1/engagements/")) == {world.engagement_ap.pk, world.engagement_aq.pk}


# --- throttling ----------------------------------------------------------------------------------


def test_throttled_per_user_with_retry_after(world, client_staff, settings, api):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "user": "3/min"},
    }
    client = api(client_staff)
    codes = [client.get("/api/v1/me/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/me/")
    assert int(response["Retry-After"]) > 0
    assert response.json()["code"] == "throttled"


def test_throttled_per_token(world, client_staff, settings, api):
    settings.REST_FRAMEWORK = {
        **settings.REST_FRAMEWORK,
        "DEFAULT_THROTTLE_RATES": {**settings.REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"], "token": "2/min"},
    }
    token = token_rotate(user=client_staff)
    client = api()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert [client.get("/api/v1/me/").status_code for _ in range(3)] == [200, 200, 429]
    # The same user's browser session has its own (user) budget left.
    assert api(client_staff).get("/api/v1/me/").status_code == 200
