"""Token authentication reads the token, its user and the user's roles in one statement."""

from rest_framework.test import APIClient

from kpo.accounts.services import token_rotate

TASKS = "/api/v1/tasks/"


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_rotate(user=user).key}")
    return client


def test_roles_come_with_the_token_and_scope_what_each_caller_sees(
    world, personas, django_assert_num_queries
):
    staff = _token_client(personas["client_staff"])
    analyst = _token_client(personas["provider_analyst"])
    staff.get(TASKS)  # first call of the process: the view permission's id is looked up once
    with django_assert_num_queries(2) as queries:  # the token with user, roles and engagement ids; the page
        seen_by_staff = {row["id"] for row in staff.get(TASKS).json()["results"]}
    # The page is scoped by the ids read with the token: no permission subquery left to plan.
    assert "objectpermission" not in queries.captured_queries[-1]["sql"]
    with django_assert_num_queries(2):
        seen_by_analyst = {row["id"] for row in analyst.get(TASKS).json()["results"]}
    assert seen_by_staff == {
        world.task_ap_ready.pk,
        world.task_ap_other.pk,
        world.task_ap_draft.pk,
        world.task_aq.pk,
    }
    # The analyst's roles (read with the token) restrict them to the task assigned to them.
    assert seen_by_analyst == {world.task_ap_ready.pk}


def test_an_unknown_or_inactive_token_is_refused(personas):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    response = client.get(TASKS)
    assert response.status_code == 401 and response.json()["detail"] == "Invalid token."
    user = personas["client_staff"]
    client = _token_client(user)
    user.is_active = False
    user.save(update_fields=["is_active"])
    response = client.get(TASKS)
    assert response.status_code == 401 and response.json()["detail"] == "User inactive or deleted."


def test_ids_read_with_the_token_are_not_trusted_after_a_grant_in_the_same_process(world, personas):
    from guardian.shortcuts import assign_perm, remove_perm

    from engagements.selectors import engagements_visible_to
    from kpo.accounts.backends import TokenAuthentication

    broker = personas["consultant_broker"]  # attached to no engagement
    user, _token = TokenAuthentication().authenticate_credentials(token_rotate(user=broker).key)
    assert set(engagements_visible_to(user)) == set()
    assign_perm("view_engagement", broker, world.engagement_bp)  # e.g. attached during this very call
    assert set(engagements_visible_to(user)) == {world.engagement_bp}
    remove_perm("view_engagement", broker, world.engagement_bp)
    assert set(engagements_visible_to(user)) == set()


def test_an_executive_creating_an_engagement_by_token_reads_it_back_at_once(world, personas):
    executive = _token_client(personas["consultant_executive"])
    before = {row["id"] for row in executive.get("/api/v1/engagements/").json()["results"]}
    payload = {
        "client": world.client_a.pk,
        "provider": world.provider_p.pk,
        "title": "Contract review pilot",
        "service_line": world.service_line.pk,
        "scope": "Review 40 supplier contracts.",
        "start_date": "2026-12-01",
        "budget": "12000.00",
        "currency": "EUR",
    }
    created = executive.post("/api/v1/engagements/", payload, format="json")
    assert created.status_code == 201, created.content
    engagement_id = created.json()["id"]
    assert engagement_id not in before
    assert executive.get(f"/api/v1/engagements/{engagement_id}/").status_code == 200
