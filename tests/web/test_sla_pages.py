"""What people see of the SLA engine on the pages: clocks on tasks, recompute progress."""

import pytest
from django.urls import reverse

from sla.models import ClockRecomputeJob
from sla.services import task_clocks_recompute

pytestmark = pytest.mark.django_db


def test_task_page_shows_its_clocks_and_the_sla_that_measures_it(world, client, provider_manager):
    task = world.task_ap_ready
    task_clocks_recompute(task_id=task.pk)
    client.force_login(provider_manager)
    body = client.get(reverse("engagements:task-detail", args=[task.pk])).content.decode()
    assert "SLA clocks" in body
    assert "Response" in body and "Resolution" in body
    assert world.sla.name in body  # the recorded reason names the SLA


def test_task_list_shows_the_resolution_clock(world, client, provider_manager):
    task_clocks_recompute(task_id=world.task_ap_ready.pk)
    client.force_login(provider_manager)
    body = client.get(world.engagement_ap.get_absolute_url()).content.decode()
    assert 'class="clock c-' in body


def test_engagement_page_shows_a_running_recompute_and_its_failure(world, client, consultant_executive):
    ClockRecomputeJob.objects.create(
        engagement=world.engagement_ap, status="running", total=200, done=50, reason="SLA changed to Strict"
    )
    client.force_login(consultant_executive)
    body = client.get(world.engagement_ap.get_absolute_url()).content.decode()
    assert "50 / 200" in body and "(25%)" in body and "SLA changed to Strict" in body
    ClockRecomputeJob.objects.create(
        engagement=world.engagement_ap, status="failed", error="calendar missing"
    )
    body = client.get(world.engagement_ap.get_absolute_url()).content.decode()
    assert "calendar missing" in body
