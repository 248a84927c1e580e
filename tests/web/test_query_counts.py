"""List pages run a constant number of queries whatever the amount of data."""

import pytest
from django.urls import reverse

from engagements.choices import TaskStatus
from engagements.services import task_transition
from tests.factories import make_engagement, make_task

pytestmark = pytest.mark.django_db

# Session, user, roles, the page's own lists and counts, the unread badge: a fixed budget.
HOME_QUERY_BUDGET = 16


def _grow(world, actor, engagements: int, tasks_each: int):
    for i in range(engagements):
        engagement = make_engagement(
            client=world.client_a,
            provider=world.provider_p,
            title=f"Growth engagement {i}",
            service_line=world.service_line,
            actor=actor,
        )
        for j in range(tasks_each):
            task = make_task(
                engagement=engagement,
                title=f"Growth task {i}-{j}",
                assignee=world.analyst_member,
                actor=actor,
            )
            task_transition(task=task, to=TaskStatus.READY, actor=actor, version=task.version)


@pytest.mark.parametrize(
    "persona",
    [
        "client_staff",
        "client_sme",
        "provider_manager",
        "provider_analyst",
        "consultant_executive",
        "consultant_analyst",
        "consultant_broker",
        "consultant_recruiter",
        "operator",
    ],
)
def test_home_page_query_count_is_constant(persona, world, personas, client, django_assert_max_num_queries):
    client.force_login(personas[persona])
    with django_assert_max_num_queries(HOME_QUERY_BUDGET):
        assert client.get(reverse("home")).status_code == 200
    _grow(world, personas["operator"], engagements=6, tasks_each=5)
    with django_assert_max_num_queries(HOME_QUERY_BUDGET):
        assert client.get(reverse("home")).status_code == 200


def test_engagement_page_query_count_is_constant(world, personas, client, django_assert_max_num_queries):
    client.force_login(personas["provider_manager"])
    url = world.engagement_ap.get_absolute_url()
    with django_assert_max_num_queries(22):
        client.get(url)
    for j in range(30):
        make_task(
            engagement=world.engagement_ap,
            title=f"More {j}",
            assignee=world.analyst_member,
            actor=personas["operator"],
        )
    with django_assert_max_num_queries(22):
        assert client.get(url).status_code == 200


def test_provider_directory_query_count_is_constant(world, personas, client, django_assert_max_num_queries):
    from tests.factories import ProviderFactory

    client.force_login(personas["consultant_broker"])
    with django_assert_max_num_queries(10):
        client.get(reverse("providers:list"))
    for i in range(8):
        ProviderFactory(name=f"Extra provider {i}")
    with django_assert_max_num_queries(10):
        assert client.get(reverse("providers:list")).status_code == 200
