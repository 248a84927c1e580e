"""The engagement list: scoped to the viewer, searchable, filterable, paginated, constant queries."""

from datetime import date
from decimal import Decimal

import pytest
from django.urls import reverse

from engagements.choices import EngagementStatus
from sla.choices import Kpi, KpiStatus, PeriodKind
from sla.models import KpiSnapshot
from tests.factories import ServiceLineFactory, make_engagement

pytestmark = pytest.mark.django_db

URL = reverse("engagements:list")


def _body(client, **params):
    response = client.get(URL, params)
    assert response.status_code == 200, response.content[:500]
    return response.content.decode()


def _breach(engagement, status=KpiStatus.BREACHED, month=date(2026, 10, 1)):
    return KpiSnapshot.objects.create(
        engagement=engagement,
        sla=engagement.sla,
        kpi=Kpi.RESOLUTION_COMPLIANCE,
        period_kind=PeriodKind.MONTH,
        period_start=month,
        period_end=date(month.year + (month.month == 12), month.month % 12 + 1, 1),
        numerator=Decimal(7),
        denominator=Decimal(10),
        value=Decimal("0.7"),
        target=Decimal("0.95"),
        status=status,
        currency="EUR",
    )


def test_each_persona_sees_only_their_engagements(world, client, personas):
    expectations = {
        "client_staff": {"engagement_ap", "engagement_aq"},
        "other_client_staff": {"engagement_bp"},
        "provider_manager": {"engagement_ap", "engagement_bp"},
        "other_provider_manager": {"engagement_aq"},
        "consultant_executive": {"engagement_ap"},
        "consultant_broker": set(),
        "operator": {"engagement_ap", "engagement_aq", "engagement_bp"},
    }
    for persona, visible in expectations.items():
        client.force_login(personas[persona])
        body = _body(client)
        for name in ("engagement_ap", "engagement_aq", "engagement_bp"):
            shown = getattr(world, name).title in body
            assert shown == (name in visible), f"{persona} / {name}"


def test_search_matches_title_client_and_provider(world, client, client_staff):
    client.force_login(client_staff)
    body = _body(client, q="benchmark")
    assert world.engagement_ap.title in body and world.engagement_aq.title not in body
    body = _body(client, q="Quanta")  # provider Q's name
    assert world.engagement_aq.title in body and world.engagement_ap.title not in body
    assert "1 engagement" in body


def test_status_and_service_line_filters(world, client, client_staff):
    world.engagement_aq.status = EngagementStatus.ON_HOLD
    world.engagement_aq.save()
    client.force_login(client_staff)
    body = _body(client, status=EngagementStatus.ON_HOLD)
    assert world.engagement_aq.title in body and world.engagement_ap.title not in body
    other_line = ServiceLineFactory(code="legal", name="Legal research")
    make_engagement(
        client=world.client_a, provider=world.provider_p, title="Contract review", service_line=other_line
    )
    body = _body(client, service_line=other_line.pk)
    assert "Contract review" in body and world.engagement_ap.title not in body


def test_a_form_submitted_with_every_filter_empty_filters_nothing(world, client, client_staff):
    client.force_login(client_staff)
    body = _body(client, q="", status="", provider="", service_line="", health="", page="")
    assert world.engagement_ap.title in body and world.engagement_aq.title in body
    assert "filtered" not in body


def test_provider_filter_and_another_tenants_provider_is_refused(world, client, personas):
    client.force_login(personas["client_staff"])
    body = _body(client, provider=world.provider_q.pk)
    assert world.engagement_aq.title in body and world.engagement_ap.title not in body
    # Client B never works with provider Q: naming it is an invalid choice, not a way to probe.
    client.force_login(personas["other_client_staff"])
    response = client.get(URL, {"provider": world.provider_q.pk})
    assert response.status_code == 400
    body = response.content.decode()
    assert "Select a valid choice" in body
    assert world.engagement_bp.title not in body
    assert world.provider_q.name not in body


def test_health_filter_and_badges(world, client, client_staff):
    _breach(world.engagement_ap)
    client.force_login(client_staff)
    body = _body(client, health="red")
    assert world.engagement_ap.title in body and world.engagement_aq.title not in body
    assert "health-red" in body
    body = _body(client, health="green")
    assert world.engagement_ap.title not in body and world.engagement_aq.title in body
    assert _body(client, health="amber").count("health-") == 0


def test_only_the_latest_month_counts_for_health(world, client, client_staff):
    _breach(world.engagement_ap, month=date(2026, 9, 1))
    _breach(world.engagement_ap, status=KpiStatus.MET, month=date(2026, 10, 1))
    client.force_login(client_staff)
    assert world.engagement_ap.title not in _body(client, health="red")


def test_pagination_keeps_the_filters(world, client, operator):
    for i in range(30):
        make_engagement(
            client=world.client_a,
            provider=world.provider_p,
            title=f"Batch engagement {i:02d}",
            service_line=world.service_line,
        )
    client.force_login(operator)
    first = _body(client, q="Batch")
    assert "30 engagements" in first and "Page 1 of 2" in first
    assert first.count("Batch engagement") == 25
    assert "q=Batch&amp;page=2" in first
    second = _body(client, q="Batch", page=2)
    assert second.count("Batch engagement") == 5
    assert "Page 2 of 2" in second


def test_htmx_gets_the_results_fragment(world, client, client_staff):
    client.force_login(client_staff)
    response = client.get(URL, {"q": "Peer"}, HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<div id="engagement-results"')
    assert "<html" not in body and world.engagement_ap.title in body
    assert "HX-Request" in response["Vary"]


def test_list_query_count_is_constant(world, client, personas, django_assert_max_num_queries):
    client.force_login(personas["client_staff"])
    with django_assert_max_num_queries(14) as small:
        _body(client, health="green")
    for i in range(40):
        engagement = make_engagement(
            client=world.client_a,
            provider=world.provider_p,
            title=f"More {i}",
            service_line=world.service_line,
        )
        if i % 3 == 0:
            _breach(engagement)
    with django_assert_max_num_queries(len(small)):
        _body(client, health="green")
    with django_assert_max_num_queries(len(small)):
        _body(client, page=2)


def test_a_row_shows_link_parties_counts_dates_and_budget(world, client, client_staff):
    engagement = world.engagement_ap
    engagement.title = "Peers <2026>"
    engagement.is_proof_of_concept = True
    engagement.save(update_fields=["title", "is_proof_of_concept"])
    client.force_login(client_staff)
    body = _body(client)
    row = body[body.index(f'href="{reverse("engagements:detail", args=[engagement.pk])}"') :]
    row = row[: row.index("</tr>")]
    assert "Peers &lt;2026&gt;</a>" in row and ">PoC</span>" in row
    assert f"{engagement.client} → {engagement.provider}" in row
    assert f"<td>{engagement.service_line}</td>" in row
    assert '<td class="num">2</td>' in row  # the two open (ready) tasks; the draft is not open
    assert "6 Jan 2025 – " in row and "120,000\u00a0EUR" in row
