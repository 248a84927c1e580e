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
    with django_assert_num_queries(2):  # the token with user and roles; the page of tasks
        seen_by_staff = {row["id"] for row in staff.get(TASKS).json()["results"]}
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
