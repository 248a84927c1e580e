"""engagements.filters: the FilterSets the pages and the API share."""

from datetime import date
from decimal import Decimal

import pytest
from django.test import RequestFactory

from engagements.choices import TaskStatus
from engagements.filters import EngagementFilter, TaskFilter, engagement_health, with_health
from sla.choices import ClockKind, ClockState, Kpi, KpiStatus, PeriodKind
from sla.models import KpiSnapshot, TaskClock


def request_as(user, **params):
    request = RequestFactory().get("/", params)
    request.user = user
    return request


def run(filterset_class, user, queryset, **params):
    request = request_as(user, **params)
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    assert filterset.is_valid(), filterset.errors
    return list(filterset.qs)


def snapshot(engagement, month: date, kpi: str, status: str):
    return KpiSnapshot.objects.create(
        engagement=engagement,
        kpi=kpi,
        period_kind=PeriodKind.MONTH,
        period_start=month,
        period_end=month.replace(day=28),
        status=status,
        value=Decimal("0.9"),
        target=Decimal("0.95"),
        currency="EUR",
    )


def set_clock(task, state: str):
    TaskClock.objects.update_or_create(task=task, kind=ClockKind.RESOLUTION, defaults={"state": state})


@pytest.fixture
def engagements(world):
    from engagements.models import Engagement

    return Engagement.objects.filter(
        pk__in=[world.engagement_ap.pk, world.engagement_bp.pk, world.engagement_aq.pk]
    )


def health_of(world, operator, engagements, value):
    return {e.pk for e in run(EngagementFilter, operator, engagements, health=value)}


def test_health_red_amber_green(world, operator, engagements):
    ap, bp, aq = world.engagement_ap, world.engagement_bp, world.engagement_aq
    TaskClock.objects.all().delete()
    # ap: breached KPI in its latest month -> red. An older breach no longer counts.
    snapshot(ap, date(2025, 5, 1), Kpi.ACCURACY, KpiStatus.BREACHED)
    snapshot(ap, date(2025, 6, 1), Kpi.ACCURACY, KpiStatus.BREACHED)
    # bp: old breach, latest month at risk -> amber.
    snapshot(bp, date(2025, 5, 1), Kpi.ACCURACY, KpiStatus.BREACHED)
    snapshot(bp, date(2025, 6, 1), Kpi.RESPONSE_COMPLIANCE, KpiStatus.AT_RISK)
    snapshot(bp, date(2025, 6, 1), Kpi.ACCURACY, KpiStatus.MET)
    # aq: latest month met -> green.
    snapshot(aq, date(2025, 6, 1), Kpi.ACCURACY, KpiStatus.MET)
    assert health_of(world, operator, engagements, "red") == {ap.pk}
    assert health_of(world, operator, engagements, "amber") == {bp.pk}
    assert health_of(world, operator, engagements, "green") == {aq.pk}

    # A breached clock on an open task turns aq red; on a cancelled task it would not.
    set_clock(world.task_aq, ClockState.BREACHED)
    assert health_of(world, operator, engagements, "red") == {ap.pk, aq.pk}
    world.task_aq.status = TaskStatus.CANCELLED
    world.task_aq.save(update_fields=["status"])
    assert health_of(world, operator, engagements, "green") == {aq.pk}

    annotated = {e.pk: engagement_health(e) for e in with_health(engagements)}
    assert annotated == {ap.pk: "red", bp.pk: "amber", aq.pk: "green"}


def test_health_filter_runs_one_query(world, operator, engagements, django_assert_num_queries):
    request = request_as(operator, health="red")
    with django_assert_num_queries(1):
        list(EngagementFilter(request.GET, queryset=engagements, request=request).qs)


def test_search_and_status(world, client_staff):
    from engagements.selectors import engagement_list_for

    found = run(EngagementFilter, client_staff, engagement_list_for(client_staff), q="prism peer")
    assert found == [world.engagement_ap]
    found = run(EngagementFilter, client_staff, engagement_list_for(client_staff), q="quanta")
    assert found == [world.engagement_aq]


def test_another_tenants_provider_is_an_invalid_choice(world, other_provider_manager):
    from engagements.selectors import engagement_list_for

    request = request_as(other_provider_manager, provider=world.provider_p.pk)
    filterset = EngagementFilter(
        request.GET, queryset=engagement_list_for(other_provider_manager), request=request
    )
    assert not filterset.is_valid()
    assert "provider" in filterset.errors


def test_task_filter(world, client_staff):
    from engagements.selectors import task_list_for

    tasks = task_list_for(client_staff)
    assert {t.pk for t in run(TaskFilter, client_staff, tasks, engagement=world.engagement_ap.pk)} == {
        world.task_ap_ready.pk,
        world.task_ap_other.pk,
        world.task_ap_draft.pk,
    }
    assert run(TaskFilter, client_staff, tasks, status="draft") == [world.task_ap_draft]
    assert run(TaskFilter, client_staff, tasks, priority="P2") == [world.task_ap_ready]
    assert run(TaskFilter, client_staff, tasks, assignee=world.analyst_member.pk) == [world.task_ap_ready]
    assert run(TaskFilter, client_staff, tasks, assignee="none") == [world.task_ap_draft]
    assert run(TaskFilter, client_staff, tasks, q="margin table") == [world.task_ap_other]
    assert run(TaskFilter, client_staff, tasks, q=str(world.task_aq.pk)) == [world.task_aq]


def test_task_filter_refuses_an_invisible_engagement(world, client_staff):
    request = request_as(client_staff, engagement=world.engagement_bp.pk)
    filterset = TaskFilter(request.GET, queryset=world.engagement_bp.tasks.all(), request=request)
    assert not filterset.is_valid()
    assert "engagement" in filterset.errors
