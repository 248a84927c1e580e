"""Scoping in the browser: an executive creates an engagement and changes its terms; the client side
creates and releases tasks. Everyone else is refused, and another tenant's engagement is a 404."""

from datetime import date

import pytest
from django.urls import reverse

from engagements.choices import ConsultantRole, TaskStatus
from engagements.models import Engagement, EngagementConsultant, Task
from kpo.core.models import AuditLog
from sla.models import ClockRecomputeJob
from tests.factories import SLAFactory

pytestmark = pytest.mark.django_db


def engagement_post(world, **overrides):
    data = {
        "client": world.client_a.pk,
        "provider": world.provider_p.pk,
        "title": "Covenant monitoring",
        "service_line": world.service_line.pk,
        "scope": "Quarterly covenant checks for 40 borrowers.",
        "expected_outcomes": "A red-flag list per quarter.",
        "start_date": "2026-12-01",
        "end_date": "2027-11-30",
        "budget": "120000",
        "currency": "eur",
    }
    data.update(overrides)
    return data


def test_executive_creates_an_engagement_and_is_attached_to_it(world, login, consultant_executive):
    response = login(consultant_executive).post(reverse("engagements:create"), engagement_post(world))
    engagement = Engagement.objects.get(title="Covenant monitoring")
    assert response.status_code == 302
    assert response["Location"] == engagement.get_absolute_url()
    assert engagement.currency == "EUR"
    assert EngagementConsultant.objects.filter(
        engagement=engagement, user=consultant_executive, role=ConsultantRole.EXECUTIVE
    ).exists()
    # The client's staff see it at once (view permission granted to their organisation).
    page = login(consultant_executive).get(engagement.get_absolute_url())
    assert page.status_code == 200


def test_engagement_form_errors_name_the_field_and_write_nothing(world, login, consultant_executive):
    before = Engagement.objects.count()
    response = login(consultant_executive).post(
        reverse("engagements:create"),
        engagement_post(world, title="", end_date="2026-01-01", budget="-5"),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert {"title", "budget", "end_date"} <= set(form.errors)
    assert "negative" in form.errors["budget"][0]
    assert Engagement.objects.count() == before


def test_duplicate_title_for_the_same_client_is_a_form_error(world, login, consultant_executive):
    response = login(consultant_executive).post(
        reverse("engagements:create"), engagement_post(world, title=world.engagement_ap.title)
    )
    assert response.status_code == 400
    assert response.context["form"].errors


@pytest.mark.parametrize(
    "persona",
    ["client_staff", "client_sme", "provider_manager", "consultant_analyst", "consultant_broker"],
)
def test_only_executives_and_operators_create_engagements(world, login, personas, persona):
    client = login(personas[persona])
    assert client.get(reverse("engagements:create")).status_code == 403
    assert client.post(reverse("engagements:create"), engagement_post(world)).status_code == 403
    assert not Engagement.objects.filter(title="Covenant monitoring").exists()


def terms_post(engagement, **overrides):
    data = {
        "title": engagement.title,
        "scope": engagement.scope,
        "expected_outcomes": engagement.expected_outcomes,
        "start_date": engagement.start_date.isoformat(),
        "end_date": "",
        "budget": str(engagement.budget),
        "sla": engagement.sla_id or "",
    }
    data.update(overrides)
    return data


def test_executive_changes_terms_and_sla_together(world, login, consultant_executive):
    engagement = world.engagement_ap
    renewal = SLAFactory(name="Renewal SLA", calendar=world.sla.calendar, effective_from=date(2025, 1, 1))
    response = login(consultant_executive).post(
        reverse("engagements:terms", args=[engagement.pk]),
        terms_post(engagement, budget="99000", sla=renewal.pk),
    )
    assert response.status_code == 302
    engagement.refresh_from_db()
    assert engagement.budget == 99000
    assert engagement.sla == renewal
    assert AuditLog.objects.filter(action="engagement.terms_changed", object_id=str(engagement.pk)).exists()
    assert ClockRecomputeJob.objects.filter(engagement=engagement).exists()


def test_terms_refused_to_the_client_and_hidden_from_other_tenants(
    world, login, client_staff, other_client_staff, consultant_executive
):
    url = reverse("engagements:terms", args=[world.engagement_ap.pk])
    assert login(client_staff).post(url, terms_post(world.engagement_ap, budget="1")).status_code == 403
    assert login(other_client_staff).get(url).status_code == 404
    world.engagement_ap.refresh_from_db()
    assert world.engagement_ap.budget != 1
    # An executive not attached to engagement_bp cannot reach its terms either.
    assert (
        login(consultant_executive)
        .get(reverse("engagements:terms", args=[world.engagement_bp.pk]))
        .status_code
        == 404
    )


def task_post(**overrides):
    data = {
        "title": "Borrower 17 covenant check",
        "specification": "Check the leverage covenant against the Q3 accounts.",
        "acceptance_criteria": "Ratio computed, source pages cited.",
        "priority": "P2",
        "task_type": "analysis",
        "estimated_hours": "6",
        "contractual_due_at": "",
    }
    data.update(overrides)
    return data


def test_client_staff_creates_and_releases_a_task(world, login, client_staff):
    url = reverse("engagements:task-create", args=[world.engagement_ap.pk])
    response = login(client_staff).post(url, task_post(release_now="on"))
    task = Task.objects.get(title="Borrower 17 covenant check")
    assert response.status_code == 302
    assert response["Location"] == task.get_absolute_url()
    assert task.status == TaskStatus.READY
    assert list(task.events.values_list("to_status", flat=True).order_by("occurred_at", "id")) == [
        TaskStatus.DRAFT,
        TaskStatus.READY,
    ]


def test_a_draft_stays_a_draft(world, login, client_sme):
    url = reverse("engagements:task-create", args=[world.engagement_ap.pk])
    login(client_sme).post(url, task_post())
    assert Task.objects.get(title="Borrower 17 covenant check").status == TaskStatus.DRAFT


def test_task_form_errors_write_nothing(world, login, client_staff):
    url = reverse("engagements:task-create", args=[world.engagement_ap.pk])
    before = Task.objects.count()
    response = login(client_staff).post(url, task_post(title="", priority="P9", estimated_hours="abc"))
    assert response.status_code == 400
    assert {"title", "priority", "estimated_hours"} <= set(response.context["form"].errors)
    assert Task.objects.count() == before


def test_provider_side_cannot_create_tasks_and_other_clients_get_a_404(
    world, login, provider_manager, other_client_staff, other_provider_manager
):
    url = reverse("engagements:task-create", args=[world.engagement_ap.pk])
    assert login(provider_manager).post(url, task_post()).status_code == 403
    assert login(other_client_staff).post(url, task_post()).status_code == 404
    assert login(other_provider_manager).get(url).status_code == 404
    assert not Task.objects.filter(title="Borrower 17 covenant check").exists()
