"""Task API contract: visibility per persona, 404 across tenants, creation, ETag/If-Match writes."""

import pytest

from engagements.choices import TaskEventKind, TaskStatus
from engagements.models import Task, TaskEvent
from tests.factories import advance_task

from .conftest import ids, results

pytestmark = pytest.mark.django_db

# Who gets what on GET /tasks/{task_ap_ready}/ (the analyst's task on engagement A+P).
RETRIEVE_MATRIX = {
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


@pytest.mark.parametrize(("persona", "expected"), RETRIEVE_MATRIX.items())
def test_retrieve_matrix(world, personas, api, persona, expected):
    response = api(personas[persona]).get(f"/api/v1/tasks/{world.task_ap_ready.pk}/")
    assert response.status_code == expected, response.content
    if expected == 200:
        assert response["ETag"] == f'"{world.task_ap_ready.pk}-{world.task_ap_ready.version}"'
        assert response.json()["etag"] == response["ETag"]
    else:
        assert response.json() == {"detail": "No Task matches the given query.", "code": "not_found"}


def test_anonymous_is_401(world, api):
    response = api().get("/api/v1/tasks/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_list_shows_what_the_pages_show(world, personas, api):
    w = world
    expected = {
        "client_staff": {w.task_ap_ready.pk, w.task_ap_other.pk, w.task_ap_draft.pk, w.task_aq.pk},
        "other_client_staff": {w.task_bp.pk},
        # The provider does not see a draft; the analyst only their own task.
        "provider_manager": {w.task_ap_ready.pk, w.task_ap_other.pk, w.task_bp.pk},
        "provider_analyst": {w.task_ap_ready.pk},
        "other_provider_manager": {w.task_aq.pk},
        "consultant_broker": set(),
    }
    for persona, visible in expected.items():
        response = api(personas[persona]).get("/api/v1/tasks/")
        assert response.status_code == 200
        assert ids(response) == visible, persona


def test_list_filters_and_pages(world, client_staff, api):
    client = api(client_staff)
    response = client.get("/api/v1/tasks/", {"engagement": world.engagement_ap.pk, "status": "ready"})
    assert ids(response) == {world.task_ap_ready.pk, world.task_ap_other.pk}
    response = client.get("/api/v1/tasks/", {"engagement": world.engagement_bp.pk})
    assert response.status_code == 400
    assert "engagement" in response.json()["errors"]
    first = client.get("/api/v1/tasks/", {"page_size": 2})
    assert len(results(first)) == 2 and first.json()["next"]
    second = client.get(first.json()["next"])
    assert not ids(first) & ids(second)
    assert len(results(client.get("/api/v1/tasks/", {"page_size": 100000}))) == 4  # capped, not an error


def test_create_task(world, personas, api):
    body = {
        "engagement": world.engagement_ap.pk,
        "title": "New work",
        "specification": "Do it",
        "priority": "P1",
    }
    response = api(personas["client_staff"]).post("/api/v1/tasks/", body)
    assert response.status_code == 201, response.content
    task = Task.objects.get(pk=response.json()["id"])
    assert (task.status, task.priority, task.created_by) == ("draft", "P1", personas["client_staff"])
    assert response["ETag"] == f'"{task.pk}-1"'

    assert api(personas["provider_manager"]).post("/api/v1/tasks/", body).status_code == 403
    refused = api(personas["other_client_staff"]).post("/api/v1/tasks/", body)
    assert refused.status_code == 400
    assert "engagement" in refused.json()["errors"]


def test_unknown_and_invalid_fields_are_400_naming_them(world, client_staff, api):
    body = {"engagement": world.engagement_ap.pk, "title": "x", "specification": "y", "colour": "red"}
    response = api(client_staff).post("/api/v1/tasks/", body)
    assert response.status_code == 400
    assert "colour" in response.json()["errors"]
    response = api(client_staff).post(
        "/api/v1/tasks/", {"engagement": world.engagement_ap.pk, "title": "", "priority": "P9"}
    )
    errors = response.json()["errors"]
    assert {"title", "priority", "specification"} <= set(errors)
    assert Task.objects.filter(title="x").count() == 0


def transition(client, task, to, etag=None, note=""):
    headers = {"HTTP_IF_MATCH": etag} if etag is not None else {}
    return client.post(f"/api/v1/tasks/{task.pk}/transition/", {"to": to, "note": note}, **headers)


def test_transition_with_etag(world, provider_manager, api):
    client = api(provider_manager)
    task = world.task_ap_ready
    etag = client.get(f"/api/v1/tasks/{task.pk}/")["ETag"]
    response = transition(client, task, "in_progress", etag, note="Picked up")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "in_progress"
    assert response["ETag"] == f'"{task.pk}-{task.version + 1}"'
    event = TaskEvent.objects.filter(task=task).latest("id")
    assert (event.to_status, event.note, event.actor) == ("in_progress", "Picked up", provider_manager)

    # The old ETag is stale now: 412 with the current version, nothing written.
    stale = transition(client, task, "on_hold", etag)
    assert stale.status_code == 412
    assert stale.json()["code"] == "stale_version"
    assert stale.json()["current_version"] == task.version + 1
    assert Task.objects.get(pk=task.pk).status == "in_progress"


def test_transition_without_if_match_is_428(world, provider_manager, api):
    response = transition(api(provider_manager), world.task_ap_ready, "in_progress")
    assert response.status_code == 428
    assert "If-Match" in response.json()["detail"]


def test_illegal_transition_is_409_naming_the_allowed(world, operator, api):
    task = world.task_ap_ready
    response = transition(api(operator), task, "accepted", f'"{task.pk}-{task.version}"')
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "illegal_transition"
    assert body["allowed"] == ["in_progress", "cancelled"]
    assert "In progress" in body["detail"]


def test_role_may_not_is_403_and_other_tenant_is_404(world, client_staff, other_provider_manager, api):
    task = world.task_ap_ready
    etag = f'"{task.pk}-{task.version}"'
    assert transition(api(client_staff), task, "in_progress", etag).status_code == 403
    assert transition(api(other_provider_manager), task, "in_progress", etag).status_code == 404
    assert Task.objects.get(pk=task.pk).version == task.version


def test_etag_of_another_task_is_412(world, provider_manager, api):
    other = world.task_ap_other
    response = transition(
        api(provider_manager), world.task_ap_ready, "in_progress", f'"{other.pk}-{other.version}"'
    )
    assert response.status_code == 412


def test_patch_priority_and_assignee_in_one_go(world, client_staff, provider_manager, api):
    task = world.task_ap_other
    etag = f'"{task.pk}-{task.version}"'
    # The client sets priorities but may not assign: nothing is half-written.
    refused = api(client_staff).patch(
        f"/api/v1/tasks/{task.pk}/",
        {"priority": "P1", "assignee": world.analyst_member.pk},
        HTTP_IF_MATCH=etag,
    )
    assert refused.status_code == 403
    assert Task.objects.get(pk=task.pk).priority == task.priority
    response = api(client_staff).patch(f"/api/v1/tasks/{task.pk}/", {"priority": "P1"}, HTTP_IF_MATCH=etag)
    assert response.status_code == 200 and response.json()["priority"] == "P1"
    response = api(provider_manager).post(
        f"/api/v1/tasks/{task.pk}/assign/",
        {"assignee": world.analyst_member.pk},
        HTTP_IF_MATCH=response["ETag"],
    )
    assert response.status_code == 200
    assert response.json()["assignee"]["id"] == world.analyst_member.pk
    kinds = list(TaskEvent.objects.filter(task=task).order_by("id").values_list("kind", flat=True))
    assert kinds[-2:] == [TaskEventKind.PRIORITY, TaskEventKind.ASSIGNMENT]
    # Another provider's member is not a choice.
    bad = api(provider_manager).post(
        f"/api/v1/tasks/{task.pk}/assign/",
        {"assignee": world.provider_q_member.pk},
        HTTP_IF_MATCH=response["ETag"],
    )
    assert bad.status_code == 400


def test_clocks_endpoint(world, client_staff, other_client_staff, api):
    from sla.tasks import recompute_task_clocks

    recompute_task_clocks(world.task_ap_ready.pk)  # on commit in production; tests never commit
    response = api(client_staff).get(f"/api/v1/tasks/{world.task_ap_ready.pk}/clocks/")
    assert response.status_code == 200
    kinds = {clock["kind"] for clock in response.json()}
    assert "response" in kinds
    assert api(other_client_staff).get(f"/api/v1/tasks/{world.task_ap_ready.pk}/clocks/").status_code == 404


def test_events_list_is_scoped(world, client_staff, other_client_staff, api):
    response = api(client_staff).get("/api/v1/task-events/", {"task": world.task_ap_ready.pk})
    assert response.status_code == 200
    assert [e["to_status"] for e in results(response)] == ["ready", "draft"]
    assert (
        results(api(other_client_staff).get("/api/v1/task-events/", {"task": world.task_ap_ready.pk})) == []
    )


def test_whole_engagement_through_the_api(
    world, client_staff, client_sme, provider_manager, provider_analyst, api
):
    """Create, release, work, deliver, review: the API alone runs an engagement."""
    staff, manager, analyst, sme = (
        api(client_staff),
        api(provider_manager),
        api(provider_analyst),
        api(client_sme),
    )
    created = staff.post(
        "/api/v1/tasks/",
        {
            "engagement": world.engagement_ap.pk,
            "title": "Board pack",
            "specification": "Prepare it",
            "priority": "P2",
        },
    )
    task_id = created.json()["id"]
    released = staff.post(
        f"/api/v1/tasks/{task_id}/transition/", {"to": "ready"}, HTTP_IF_MATCH=created["ETag"]
    )
    assert released.status_code == 200, released.content
    assigned = manager.post(
        f"/api/v1/tasks/{task_id}/assign/",
        {"assignee": world.analyst_member.pk},
        HTTP_IF_MATCH=released["ETag"],
    )
    started = analyst.post(
        f"/api/v1/tasks/{task_id}/transition/", {"to": "in_progress"}, HTTP_IF_MATCH=assigned["ETag"]
    )
    assert started.status_code == 200, started.content
    uploaded = analyst.post(
        "/api/v1/deliverables/", {"task": task_id, "url": "https://share.example.com/pack"}
    )
    assert uploaded.status_code == 201, uploaded.content
    logged = analyst.post(
        "/api/v1/time-entries/", {"task": task_id, "work_date": "2025-06-03", "hours": "2.5"}
    )
    assert logged.status_code == 201, logged.content
    assert logged.json()["amount"] == "100.00"
    delivered = analyst.post(
        f"/api/v1/tasks/{task_id}/transition/", {"to": "delivered"}, HTTP_IF_MATCH=started["ETag"]
    )
    assert delivered.status_code == 200, delivered.content
    review = sme.post(
        "/api/v1/reviews/",
        {
            "task": task_id,
            "task_version": delivered.json()["version"],
            "accuracy_score": "96.5",
            "outcome": "accepted",
            "defects": {"formatting": 1},
        },
    )
    assert review.status_code == 201, review.content
    assert review.json()["defects"] == [{"defect_type": "formatting", "count": 1}]
    final = staff.get(f"/api/v1/tasks/{task_id}/").json()
    assert final["status"] == TaskStatus.ACCEPTED
    assert final["allowed_transitions"] == []
    from sla.tasks import recompute_task_clocks

    recompute_task_clocks(task_id)
    clocks = staff.get(f"/api/v1/task-clocks/?task={task_id}")
    assert clocks.status_code == 200 and results(clocks)


def test_review_by_a_non_reviewer_is_403(world, client_staff, api):
    task = advance_task(world.task_ap_ready, TaskStatus.DELIVERED)
    body = {"task": task.pk, "task_version": task.version, "accuracy_score": "90", "outcome": "accepted"}
    assert api(client_staff).post("/api/v1/reviews/", body).status_code == 403
    stale = dict(body, task_version=task.version - 1)
    from tests.factories import UserFactory

    reviewer = UserFactory(email="ops@example.com", is_staff=True)
    assert api(reviewer).post("/api/v1/reviews/", stale).status_code == 412
    assert api(reviewer).post("/api/v1/reviews/", dict(body, defects={"typo": 1})).status_code == 400
