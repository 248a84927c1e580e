"""The provider scorecard: certifications with expiry badges, capacity, and the delivery record over
the engagements the viewer may see."""

from datetime import date, timedelta
from decimal import Decimal

from django.urls import reverse
from django.utils import timezone

from engagements.choices import TaskStatus
from providers.choices import CertificationStandard
from providers.models import ProviderSite
from providers.selectors import delivery_records
from sla.choices import ClockKind, ClockState
from sla.models import TaskClock
from tests.factories import CertificationFactory, QualityReviewFactory, advance_task


def resolution(task, state):
    TaskClock.objects.update_or_create(task=task, kind=ClockKind.RESOLUTION, defaults={"state": state})


def deliver_history(world):
    """P: two tasks delivered on engagement_ap (one sent back), one on engagement_bp; Q: one on aq."""
    for task in (world.task_ap_ready, world.task_ap_other, world.task_bp, world.task_aq):
        advance_task(task, TaskStatus.DELIVERED)
    advance_task(world.task_ap_other, TaskStatus.REWORK_REQUESTED)
    resolution(world.task_ap_ready, ClockState.MET)
    resolution(world.task_ap_other, ClockState.BREACHED)
    resolution(world.task_bp, ClockState.MET)
    resolution(world.task_aq, ClockState.BREACHED)
    QualityReviewFactory(task=world.task_ap_ready, accuracy_score=Decimal("90"))
    QualityReviewFactory(task=world.task_bp, accuracy_score=Decimal("70"))


def test_delivery_record_counts_only_what_the_viewer_may_see(
    world, client_staff, operator, consultant_broker
):
    deliver_history(world)
    p = world.provider_p.pk
    seen_by_client_a = delivery_records(client_staff)[p]
    assert (seen_by_client_a.on_time_met, seen_by_client_a.on_time_total) == (1, 2)
    assert (seen_by_client_a.reviews, seen_by_client_a.accuracy) == (1, 90.0)
    assert (seen_by_client_a.reworked, seen_by_client_a.delivered) == (1, 2)
    everything = delivery_records(operator)[p]
    assert (everything.on_time_met, everything.on_time_total) == (2, 3)
    assert everything.accuracy == 80.0 and (everything.reworked, everything.delivered) == (1, 3)
    assert delivery_records(consultant_broker) == {}


def test_scorecard_page_shows_record_and_certification_badges(world, client, client_staff, operator):
    deliver_history(world)
    today = timezone.localdate()
    CertificationFactory(
        provider=world.provider_p,
        standard=CertificationStandard.ISO_27001,
        expires_on=today + timedelta(days=400),
    )
    CertificationFactory(
        provider=world.provider_p, standard=CertificationStandard.SOC_2, expires_on=today - timedelta(days=1)
    )
    CertificationFactory(
        provider=world.provider_p,
        standard=CertificationStandard.HIPAA,
        issued_on=date(2020, 1, 1),
        expires_on=today + timedelta(days=20),
    )
    ProviderSite.objects.create(provider=world.provider_p, city="Pune", country="IN", headcount=40)
    client.force_login(client_staff)
    response = client.get(reverse("providers:detail", args=[world.provider_p.pk]))
    body = response.content.decode()
    total = response.context["scorecard"]["total"]
    assert (total.on_time_met, total.on_time_total, total.reviews) == (1, 2, 1)
    assert [e.title for e, _record in response.context["scorecard"]["engagements"]] == ["Peer benchmarking"]
    assert "Clinical literature review" not in body  # client B's engagement with P
    assert "1 of 2 tasks on time" in body and "90.0%" in body and "1 of 2 delivered tasks sent back" in body
    # Languages, sites and working hours each have their own card, not headings inside "Service lines".
    for section in ("offer-title", "languages-title", "sites-title", "hours-title"):
        assert f'aria-labelledby="{section}"' in body
    states = {row["certification"].standard: row["state"] for row in response.context["certifications"]}
    assert states == {"iso27001": "valid", "soc2": "expired", "hipaa": "expiring"}
    assert "Expired" in body and "Expires within 90 days" in body and "Pune, IN" in body
    client.force_login(operator)
    total = client.get(reverse("providers:detail", args=[world.provider_p.pk])).context["scorecard"]["total"]
    assert (total.on_time_met, total.on_time_total) == (2, 3)


def test_a_broker_sees_the_scorecard_without_records(world, client, consultant_broker):
    deliver_history(world)
    client.force_login(consultant_broker)
    body = client.get(reverse("providers:detail", args=[world.provider_p.pk])).content.decode()
    assert "No engagement with this provider that you may see." in body
    assert "Find providers" in body
