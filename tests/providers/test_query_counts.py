"""Lists and the matching page run a constant number of queries, at two data sizes."""

from datetime import date, timedelta

from django.urls import reverse

from providers.choices import CertificationStandard
from providers.models import ProviderSite
from tests.factories import CertificationFactory, ProviderFactory, make_engagement

# Measured 11, 17 and 17 (session, user, roles, the header's unread count, the page's own reads), plus a
# margin of two for the shared header; the second data size adds tens of rows, so an N+1 would show.
CANDIDATE_LIST_MAX = 13
PROVIDER_DETAIL_MAX = 19
MATCHING_MAX = 19


def test_candidate_list_queries_are_constant(
    world, client, consultant_recruiter, make_candidate, django_assert_max_num_queries
):
    for i in range(3):
        make_candidate(provider=world.provider_p, recruiter=consultant_recruiter, full_name=f"Small {i}")
    client.force_login(consultant_recruiter)
    with django_assert_max_num_queries(CANDIDATE_LIST_MAX):
        assert client.get(reverse("providers:candidate-list")).status_code == 200
    for i in range(40):
        provider = world.provider_p if i % 2 else world.provider_q
        make_candidate(
            provider=provider, recruiter=consultant_recruiter, full_name=f"Large {i}", stage="screened"
        )
    with django_assert_max_num_queries(CANDIDATE_LIST_MAX):
        response = client.get(
            reverse("providers:candidate-list"), {"q": "Large", "provider": world.provider_p.pk}
        )
    assert response.status_code == 200 and len(response.context["page"].object_list) == 20


def test_provider_detail_queries_are_constant(world, client, operator, django_assert_max_num_queries):
    client.force_login(operator)
    url = reverse("providers:detail", args=[world.provider_p.pk])
    with django_assert_max_num_queries(PROVIDER_DETAIL_MAX):
        assert client.get(url).status_code == 200
    for i, standard in enumerate(CertificationStandard.values):
        CertificationFactory(
            provider=world.provider_p, standard=standard, expires_on=date.today() + timedelta(days=60 * i + 1)
        )
    for i in range(6):
        make_engagement(client=world.client_a, provider=world.provider_p, title=f"More {i}", actor=operator)
        ProviderSite.objects.create(provider=world.provider_p, city=f"City {i}", country="IN", headcount=10)
    with django_assert_max_num_queries(PROVIDER_DETAIL_MAX):
        response = client.get(url)
    assert len(response.context["scorecard"]["engagements"]) == 8


def test_matching_page_queries_are_constant(world, client, consultant_broker, django_assert_max_num_queries):
    client.force_login(consultant_broker)
    need = {
        "service_line": world.service_line.pk,
        "certifications": ["iso27001"],
        "client_time_zone": "Europe/Paris",
        "countries": "IN",
    }
    with django_assert_max_num_queries(MATCHING_MAX):
        assert client.get(reverse("providers:match"), need).status_code == 200
    for i in range(25):
        provider = ProviderFactory(name=f"Bulk provider {i:02d}")
        provider.service_lines.add(world.service_line)
        CertificationFactory(provider=provider, expires_on=date.today() + timedelta(days=100 + i))
        ProviderSite.objects.create(provider=provider, city="Manila", country="PH", headcount=5)
    with django_assert_max_num_queries(MATCHING_MAX):
        response = client.get(reverse("providers:match"), need)
    assert len(response.context["ranking"].matches) == 25
