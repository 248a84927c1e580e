"""PATCH /api/v1/engagements/{id}/terms/: executives change terms and the SLA together; others are refused."""

from datetime import date

import pytest
from django.urls import reverse

from kpo.core.models import AuditLog
from sla.models import ClockRecomputeJob
from tests.factories import SLAFactory

pytestmark = pytest.mark.django_db


def url(engagement):
    return reverse("api:engagement-terms", args=[engagement.pk])


@pytest.fixture
def api(client):
    def _as(user):
        client.force_login(user)
        return client

    return _as


def patch(client, engagement, body):
    return client.patch(url(engagement), body, content_type="application/json")


def test_executive_changes_budget_and_sla(world, api, consultant_executive):
    renewal = SLAFactory(name="Renewal", calendar=world.sla.calendar, effective_from=date(2025, 1, 1))
    response = patch(
        api(consultant_executive), world.engagement_ap, {"budget": "99000.00", "sla": renewal.pk}
    )
    assert response.status_code == 200, response.content
    world.engagement_ap.refresh_from_db()
    assert world.engagement_ap.budget == 99000
    assert world.engagement_ap.sla == renewal
    assert AuditLog.objects.filter(action="engagement.terms_changed").exists()
    assert ClockRecomputeJob.objects.filter(engagement=world.engagement_ap).exists()


def test_bad_terms_are_400_with_field_messages_and_change_nothing(world, api, consultant_executive):
    before = world.engagement_ap.budget
    response = patch(api(consultant_executive), world.engagement_ap, {"budget": "-1", "colour": "red"})
    assert response.status_code == 400
    world.engagement_ap.refresh_from_db()
    assert world.engagement_ap.budget == before


def test_end_before_start_is_a_400_not_a_500(world, api, consultant_executive):
    response = patch(api(consultant_executive), world.engagement_ap, {"end_date": "2000-01-01"})
    assert response.status_code == 400


def test_an_sla_scoped_to_another_engagement_is_refused(world, api, consultant_executive):
    foreign = SLAFactory(
        name="Other's",
        calendar=world.sla.calendar,
        effective_from=date(2025, 1, 1),
        engagement=world.engagement_bp,
    )
    response = patch(api(consultant_executive), world.engagement_ap, {"sla": foreign.pk})
    assert response.status_code == 400
    assert "sla" in response.json()["errors"]
    world.engagement_ap.refresh_from_db()
    assert world.engagement_ap.sla == world.sla


@pytest.mark.parametrize(
    "persona,expected",
    [
        ("client_staff", 403),
        ("provider_manager", 403),
        ("consultant_analyst", 403),
        ("other_client_staff", 404),
    ],
)
def test_others_cannot_change_terms(world, api, personas, persona, expected):
    response = patch(api(personas[persona]), world.engagement_ap, {"budget": "1.00"})
    assert response.status_code == expected
    world.engagement_ap.refresh_from_db()
    assert world.engagement_ap.budget != 1
